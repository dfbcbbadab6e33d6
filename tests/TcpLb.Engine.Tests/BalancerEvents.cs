using System;
using System.Threading.Tasks;
using TcpLb.Engine.Balancing;

namespace TcpLb.Engine.Tests
{
    /// <summary>Awaits a balancer's backend state changes instead of sleeping.</summary>
    internal static class BalancerEvents
    {
        /// <summary>Completes when <paramref name="port"/>'s backend reaches <paramref name="state"/> (or is there already).</summary>
        public static Task WhenState(TcpBalancer balancer, int port, BackendState state)
        {
            var reached = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            EventHandler<BackendStateChangedEventArgs> handler = (sender, e) =>
            {
                if (e.Backend.Address.Port == port && e.Current == state)
                {
                    reached.TrySetResult(true);
                }
            };
            balancer.BackendStateChanged += handler;
            foreach (Backend backend in balancer.Backends)
            {
                if (backend.Address.Port == port && backend.State == state)
                {
                    reached.TrySetResult(true);
                }
            }
            return reached.Task.WaitAsync(TestNet.Patience).ContinueWith(t =>
            {
                balancer.BackendStateChanged -= handler;
                t.GetAwaiter().GetResult();
            });
        }
    }
}
