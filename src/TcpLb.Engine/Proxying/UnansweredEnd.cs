using System;

namespace TcpLb.Engine.Proxying
{
    /// <summary>
    /// How a server ended a connection before its first byte, for deciding whether the connection
    /// moves to another server (flags: the set of ends that may move) and whether the server failed.
    /// </summary>
    [Flags]
    internal enum UnansweredEnd
    {
        /// <summary>Nothing to judge: the server answered, the client sent nothing, the connection was reset from outside, or the client sent more than a replay holds.</summary>
        None = 0,

        /// <summary>The server reset the connection while the client's bytes fit the replay window: a failure of the server.</summary>
        Reset = 1,

        /// <summary>The server closed cleanly (not just answering a bare FIN): not a failure (upload-only servers do it), moved only when asked for.</summary>
        Close = 2,

        /// <summary>The response timeout fired: a failure of the server.</summary>
        Timeout = 4,
    }
}
