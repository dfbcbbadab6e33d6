using System.Management.Automation;
using TcpLbModule.Detached;
using TcpLbModule.Jobs;

namespace TcpLbModule.Commands
{
    /// <summary>Get-TcpBalancer: the balancers of this session (jobs) and the detached ones of this user.</summary>
    [Cmdlet(VerbsCommon.Get, "TcpBalancer", HelpUri = HelpLinks.Docs + "Get-TcpBalancer.md")]
    [OutputType(typeof(TcpBalancerJob), typeof(DetachedTcpServer))]
    public sealed class GetTcpBalancerCommand : GetTcpServerCommand<TcpBalancerJob>
    {
        protected override TcpServerKind Kind => TcpServerKind.Balancer;
    }
}
