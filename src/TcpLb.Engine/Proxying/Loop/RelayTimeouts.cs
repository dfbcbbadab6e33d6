namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>A relayed connection's deadlines in milliseconds; 0 for none.</summary>
    internal readonly struct RelayTimeouts
    {
        public RelayTimeouts(int connectMilliseconds, int idleMilliseconds, int finMilliseconds, int responseMilliseconds = 0)
        {
            ConnectMilliseconds = connectMilliseconds;
            IdleMilliseconds = idleMilliseconds;
            FinMilliseconds = finMilliseconds;
            ResponseMilliseconds = responseMilliseconds;
        }

        public int ConnectMilliseconds { get; }

        public int IdleMilliseconds { get; }

        public int FinMilliseconds { get; }

        /// <summary>
        /// How long client bytes may wait for the server's first byte: counted from when they reach
        /// the server and from the client's last byte, so an uploading client is not cut off.
        /// </summary>
        public int ResponseMilliseconds { get; }
    }
}
