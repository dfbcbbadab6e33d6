using System;

namespace TcpLb.Configuration
{
    /// <summary>
    /// One key of the schema: its name (snake_case), how its value is read into the target and
    /// how it is written back (null: left out).
    /// </summary>
    internal sealed class Setting<TTarget>
    {
        public Setting(string name, Action<ConfigurationNode, BindingContext, TTarget> read, Func<TTarget, ConfigurationNode?> write)
        {
            Name = name;
            Read = read;
            Write = write;
        }

        public string Name { get; }

        public Action<ConfigurationNode, BindingContext, TTarget> Read { get; }

        public Func<TTarget, ConfigurationNode?> Write { get; }
    }
}
