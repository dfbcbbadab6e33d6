namespace TcpLb.Engine.Proxying
{
    /// <summary>How <see cref="TlsDuplexPump.RelayAsync"/> ended a connection.</summary>
    internal enum TlsRelayEnd
    {
        /// <summary>Both directions finished (FIN or close_notify); both sides closed.</summary>
        Clean,

        /// <summary>The client reset (or a write to it failed); the server was reset too.</summary>
        ClientFailed,

        /// <summary>The server reset (or a write to it failed); the client was reset too.</summary>
        ServerFailed,

        /// <summary>Reset for another reason: the FIN timeout, an abort from outside.</summary>
        Other,
    }
}
