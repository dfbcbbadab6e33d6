using TcpLb.Engine.Balancing;

namespace TcpLb.Engine.Tests
{
    // The balancer tests for distribution, half-close and resets, failover, limits and queues, and
    // replay, run a second time on the engine's own event loops (issue 17): each class below is its
    // base class with the loop transport. Off Linux the loop falls back to the stream path.

    public sealed class RoundRobinOnLoopTests : RoundRobinTests
    {
        protected override BalancerTransport Transport => BalancerTransport.Loop;
    }

    public sealed class ProxyOnLoopTests : ProxyTests
    {
        protected override BalancerTransport Transport => BalancerTransport.Loop;
    }

    public sealed class FailoverOnLoopTests : FailoverTests
    {
        protected override BalancerTransport Transport => BalancerTransport.Loop;
    }

    public sealed class QueuedClientOnLoopTests : QueuedClientTests
    {
        protected override BalancerTransport Transport => BalancerTransport.Loop;
    }

    public sealed class ReplayOnLoopTests : ReplayTests
    {
        protected override BalancerTransport Transport => BalancerTransport.Loop;
    }

    public sealed class SourceLimitOnLoopTests : SourceLimitTests
    {
        protected override BalancerTransport Transport => BalancerTransport.Loop;
    }

    public sealed class ResetPropagationOnLoopTests : ResetPropagationTests
    {
        protected override BalancerTransport Transport => BalancerTransport.Loop;
    }
}
