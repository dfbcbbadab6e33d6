using System;
using TcpLb.Engine.Net.EventLoop;

namespace TcpLb.Engine.Balancing
{
    /// <summary>
    /// What the engine's event loops catch, told the way the balancer tells the rest: a handler
    /// that threw is an unexpected error (one warning a minute), an accept paused for lack of
    /// descriptors starts an exhaustion episode (one warning until sockets can be made again), and
    /// the packed layout's decisions are the balancer's <see cref="TcpBalancer.LoopsChanged"/>.
    /// The loop transport hands this to its <see cref="LoopGroup"/>.
    /// </summary>
    internal sealed class BalancerLoopTrace : ILoopTrace
    {
        private readonly TcpBalancer _balancer;
        private readonly BalancerUpkeep _upkeep;

        public BalancerLoopTrace(TcpBalancer balancer, BalancerUpkeep upkeep)
        {
            _balancer = balancer;
            _upkeep = upkeep;
        }

        public void Faulted(string loop, Exception exception) => _upkeep.OnLoopFaulted(loop, exception);

        public void AcceptPaused(string loop, int errno) => _upkeep.BeginExhaustion(NativeSocket.ToSocketError(errno), "accepting connections on " + loop);

        public void Packed(int active, int loops, string reason) => _balancer.RaiseLoopsChanged(new LoopsChangedEventArgs(active, loops, reason));
    }
}
