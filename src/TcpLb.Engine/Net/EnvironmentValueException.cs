using System;
using System.Collections.Generic;

namespace TcpLb.Engine.Net
{
    /// <summary>
    /// One of the engine's environment variables (TCPLB_TRANSPORT, TCPLB_LOOP_LAYOUT, TCPLB_LOOPS) holds a value
    /// it does not accept. Thrown by <see cref="TcpServer.Start"/> before anything is bound.
    /// </summary>
    public sealed class EnvironmentValueException : ArgumentException
    {
        public EnvironmentValueException(string variable, string value, string what, IReadOnlyList<string> accepted)
            : base($"The environment variable {variable}='{value}' is not {what}; accepted: {string.Join(", ", accepted)} (or unset it for the default).")
        {
            Variable = variable;
            Value = value;
            Accepted = accepted;
        }

        /// <summary>The environment variable's name.</summary>
        public string Variable { get; }

        /// <summary>The value it holds, as read.</summary>
        public string Value { get; }

        /// <summary>The names it accepts (case-insensitive).</summary>
        public IReadOnlyList<string> Accepted { get; }
    }
}
