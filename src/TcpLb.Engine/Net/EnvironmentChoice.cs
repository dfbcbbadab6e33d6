using System;
using System.Collections.Generic;
using System.Linq;

namespace TcpLb.Engine.Net
{
    /// <summary>
    /// One of the engine's diagnostic environment variables (TCPLB_TRANSPORT, TCPLB_LOOP_LAYOUT, TCPLB_LOOPS):
    /// its value names one of a few choices, case-insensitive and trimmed; unset or empty is no
    /// override; any other value is an <see cref="EnvironmentValueException"/> naming the variable,
    /// the value and the accepted names.
    /// </summary>
    internal sealed class EnvironmentChoice<T> where T : struct
    {
        private readonly (string Name, T Value)[] _choices;

        /// <param name="variable">The environment variable's name.</param>
        /// <param name="what">What a value names, for the error ("a transport").</param>
        /// <param name="choices">The accepted names (lower case, as the docs write them) and their values.</param>
        public EnvironmentChoice(string variable, string what, params (string Name, T Value)[] choices)
        {
            Variable = variable;
            What = what;
            _choices = choices;
        }

        public string Variable { get; }

        public string What { get; }

        public IReadOnlyList<string> Names => _choices.Select(c => c.Name).ToArray();

        /// <summary>The choice the process's environment makes, or null when the variable is unset or empty.</summary>
        public T? Read() => Parse(Environment.GetEnvironmentVariable(Variable));

        /// <summary>The choice <paramref name="value"/> names, or null when it is null, empty or blank.</summary>
        public T? Parse(string? value)
        {
            string trimmed = value?.Trim() ?? "";
            if (trimmed.Length == 0)
            {
                return null;
            }
            foreach ((string name, T choice) in _choices)
            {
                if (string.Equals(name, trimmed, StringComparison.OrdinalIgnoreCase))
                {
                    return choice;
                }
            }
            throw new EnvironmentValueException(Variable, value!, What, Names);
        }
    }
}
