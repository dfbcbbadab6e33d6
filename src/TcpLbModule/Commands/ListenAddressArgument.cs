using System;
using System.Management.Automation;
using System.Net;
using TcpLb.Engine.Net;

namespace TcpLbModule.Commands
{
    /// <summary>Turns -ListenAddress into an IP address, or a terminating error that says what is accepted.</summary>
    internal static class ListenAddressArgument
    {
        public static IPAddress Resolve(PSCmdlet cmdlet, string text)
        {
            try
            {
                return Endpoints.ResolveListenAddress(text);
            }
            catch (ArgumentException e)
            {
                cmdlet.ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException($"-ListenAddress '{text}' is not usable: {e.Message}", e),
                    "InvalidListenAddress",
                    ErrorCategory.InvalidArgument,
                    text));
                throw; // not reached
            }
        }
    }
}
