namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>
    /// Whoever owns a group's connections moves them when the number of active loops changes
    /// (<see cref="LoopPacker"/>; the relay's listener). Called off the loops, on the packer's timer.
    /// </summary>
    internal interface ILoopRebalancer
    {
        /// <summary>
        /// The first <paramref name="active"/> loops take connections now, against
        /// <paramref name="wasActive"/> before: spread the open ones over them (more loops: each
        /// gives the newcomers their share; fewer: the loops that left give theirs away).
        /// </summary>
        void Rebalance(int wasActive, int active);
    }
}
