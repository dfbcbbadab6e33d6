namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>A relayed connection's deadlines in milliseconds; 0 for none.</summary>
    internal readonly struct RelayTimeouts
    {
        public RelayTimeouts(int connectMilliseconds, int idleMilliseconds, int finMilliseconds)
        {
            ConnectMilliseconds = connectMilliseconds;
            IdleMilliseconds = idleMilliseconds;
            FinMilliseconds = finMilliseconds;
        }

        public int ConnectMilliseconds { get; }

        public int IdleMilliseconds { get; }

        public int FinMilliseconds { get; }
    }
}
