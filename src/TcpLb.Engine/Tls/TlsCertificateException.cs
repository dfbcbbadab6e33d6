using System;

namespace TcpLb.Engine.Tls
{
    /// <summary>A certificate could not be loaded or made: the message names the file and says what is accepted.</summary>
    public sealed class TlsCertificateException : ArgumentException
    {
        public TlsCertificateException(string message, string? path, bool fileMissing = false, Exception? inner = null)
            : base(message, inner)
        {
            Path = path;
            FileMissing = fileMissing;
        }

        /// <summary>The file at fault, when there is one.</summary>
        public string? Path { get; }

        /// <summary>The file does not exist (rather than being unreadable or wrong).</summary>
        public bool FileMissing { get; }
    }
}
