using System;
using System.Threading.Tasks;

namespace TcpLb.Engine.Proxying.Toxics
{
    /// <summary>
    /// Stops the direction: every byte is dropped and the FIN held back, so the peer sees a path
    /// that hangs. With a Timeout the connection is closed (FIN both ways) that long after it began;
    /// with 0 it is held until a side resets it, the FIN timeout ends it, or the balancer stops.
    /// </summary>
    internal sealed class TimeoutToxic : IToxic
    {
        private static readonly Task Done = Task.FromResult(true);

        private readonly TimeSpan _timeout;
        private DateTime _closesAt = DateTime.MaxValue;

        public TimeoutToxic(IToxicSource source) => _timeout = source.Current.Timeout;

        public void Start(ToxicLink next)
        {
            if (_timeout > TimeSpan.Zero)
            {
                _closesAt = DateTime.UtcNow + _timeout;
                _ = CloseLaterAsync(next.Connection, _timeout);
            }
        }

        public Task SendAsync(ToxicLink next, byte[] buffer, int offset, int count) => Done;

        /// <summary>The source's FIN does not end the hang: it waits for the close (or the connection's end) and is dropped.</summary>
        public async Task CloseAsync(ToxicLink next)
        {
            TimeSpan wait = _closesAt == DateTime.MaxValue ? System.Threading.Timeout.InfiniteTimeSpan : _closesAt - DateTime.UtcNow;
            try
            {
                if (wait != System.Threading.Timeout.InfiniteTimeSpan && wait <= TimeSpan.Zero)
                {
                    return;
                }
                await Task.Delay(wait, next.Connection.Ended).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        private static async Task CloseLaterAsync(IToxicConnection connection, TimeSpan timeout)
        {
            try
            {
                await Task.Delay(timeout, connection.Ended).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            connection.Close();
        }
    }
}
