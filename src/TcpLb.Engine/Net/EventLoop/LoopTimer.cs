namespace TcpLb.Engine.Net.EventLoop
{
    /// <summary>Told when its <see cref="LoopTimer"/> is due, on the loop thread.</summary>
    internal interface ILoopTimerHandler
    {
        void OnTimer(LoopTimer timer);
    }

    /// <summary>
    /// One deadline on a loop's <see cref="TimerWheel"/>: made once per owner (a connection keeps
    /// one and moves it to its earliest deadline), scheduled and cancelled in O(1) without
    /// allocating. Loop thread only.
    /// </summary>
    internal sealed class LoopTimer
    {
        internal const int NotArmed = -1;
        internal const int Firing = -2;

        public LoopTimer(ILoopTimerHandler handler)
        {
            Handler = handler;
        }

        public ILoopTimerHandler Handler { get; }

        /// <summary>When it is due, in <see cref="EpollLoop.Now"/> milliseconds.</summary>
        public long Due { get; internal set; }

        public bool IsArmed => List != NotArmed;

        // The list it is linked in: a wheel bucket, Firing, or NotArmed.
        internal int List = NotArmed;
        internal LoopTimer? Previous;
        internal LoopTimer? Next;
    }
}
