using System;
using System.Management.Automation;

namespace TcpLbModule.Detached
{
    /// <summary>
    /// The registry's folder, or an entry in it, could have been written by someone else: it is
    /// not trusted (nothing is read from it, no process is addressed or ended through it). The
    /// message names the path and the fix; the error id is DetachedRegistryUnsafe.
    /// </summary>
    internal sealed class UnsafeRegistryException : RuntimeException
    {
        public UnsafeRegistryException(string message, string path)
            : this(new UnauthorizedAccessException(message), path)
        {
        }

        private UnsafeRegistryException(UnauthorizedAccessException reason, string path)
            : base(reason.Message, reason, new ErrorRecord(reason, "DetachedRegistryUnsafe", ErrorCategory.SecurityError, path))
        {
        }
    }
}
