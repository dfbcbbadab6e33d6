namespace TcpLb.Engine.Proxying.Loop
{
    /// <summary>Which of a relayed connection's deadlines passed (each lives on the loop's timer wheel).</summary>
    internal enum RelayTimeout
    {
        /// <summary>The backend did not accept within the connect timeout.</summary>
        Connect,

        /// <summary>No byte moved either way for the idle timeout.</summary>
        Idle,

        /// <summary>One direction sent FIN and the other did not finish within the FIN timeout.</summary>
        Fin,

        /// <summary>The client did not send a complete preamble (a PROXY header) in time.</summary>
        Preamble,

        /// <summary>The client's bytes reached the server and no byte came back within the response timeout.</summary>
        Response,
    }
}
