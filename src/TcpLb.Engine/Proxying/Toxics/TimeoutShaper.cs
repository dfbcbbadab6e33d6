using TcpLb.Engine.Proxying.Loop;

namespace TcpLb.Engine.Proxying.Toxics
{
    /// <summary>
    /// <see cref="TimeoutToxic"/> as a decision: every byte of the direction is dropped and its FIN
    /// held back; with a Timeout the whole connection is closed (FIN both ways) that long after the
    /// shaper's first turn, with 0 it hangs until something else ends it.
    /// </summary>
    internal sealed class TimeoutShaper : ILoopChunkShaper
    {
        private readonly long _timeout;
        private long _closeAt = -1; // long.MaxValue: never

        public TimeoutShaper(IToxicSource source) => _timeout = ShaperTime.Milliseconds(source.Current.Timeout);

        public ShapeAction Shape(long now, int pending, out int allowed, out long wakeAt)
        {
            allowed = pending;
            if (Closes(now, out wakeAt))
            {
                return ShapeAction.Close;
            }
            return pending == 0 ? ShapeAction.Send : ShapeAction.Drop;
        }

        public ShapeAction ShapeFin(long now, out long wakeAt)
        {
            if (Closes(now, out wakeAt))
            {
                return ShapeAction.Close;
            }
            return wakeAt == 0 ? ShapeAction.Drop : ShapeAction.Wait;
        }

        private bool Closes(long now, out long wakeAt)
        {
            if (_closeAt < 0)
            {
                _closeAt = _timeout > 0 ? ShaperTime.DueAt(now, _timeout) : long.MaxValue;
            }
            wakeAt = _closeAt == long.MaxValue ? 0 : _closeAt;
            return now >= _closeAt;
        }
    }
}
