using System;
using System.Threading.Tasks;

namespace TcpLb.Engine.Proxying.Toxics
{
    /// <summary>Resets the connection (RST both ways) Timeout after it began, or at once with 0: a peer that died.</summary>
    internal sealed class ResetPeerToxic : IToxic
    {
        private readonly TimeSpan _timeout;

        public ResetPeerToxic(IToxicSource source) => _timeout = source.Current.Timeout;

        public void Start(ToxicLink next)
        {
            if (_timeout <= TimeSpan.Zero)
            {
                next.Connection.Reset();
            }
            else
            {
                _ = ResetLaterAsync(next.Connection, _timeout);
            }
        }

        public Task SendAsync(ToxicLink next, byte[] buffer, int offset, int count) => next.SendAsync(buffer, offset, count);

        public Task CloseAsync(ToxicLink next) => next.CloseAsync();

        private static async Task ResetLaterAsync(IToxicConnection connection, TimeSpan timeout)
        {
            try
            {
                await Task.Delay(timeout, connection.Ended).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            connection.Reset();
        }
    }
}
