namespace TcpLb.Engine.Balancing
{
    /// <summary>What the connection pipeline does after an attempt (<see cref="AttemptPlan"/>).</summary>
    internal enum AttemptStep
    {
        /// <summary>Pick the next backend and try it (a failed connect, or a move with the client's bytes held).</summary>
        Next,

        /// <summary>The connection is over and counted (Served, or Failed with the client told already).</summary>
        Done,

        /// <summary>The connection is over and counted: reset the client, which was not served.</summary>
        Reset,
    }
}
