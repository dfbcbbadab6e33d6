using System.Management.Automation;
using TcpLbModule.Detached;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>Get-TcpBackend: the backends of this session (jobs) and the detached ones of this user.</summary>
    [Cmdlet(VerbsCommon.Get, "TcpBackend", HelpUri = HelpLinks.Docs + "Get-TcpBackend.md")]
    [OutputType(typeof(TcpBackendJob), typeof(DetachedTcpServer))]
    public sealed class GetTcpBackendCommand : GetTcpServerCommand<TcpBackendJob>
    {
        protected override TcpServerKind Kind => TcpServerKind.Backend;
    }
}
