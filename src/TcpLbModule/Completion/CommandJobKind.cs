using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using TcpLbModule.Commands;
using TcpLbModule.Jobs;

namespace TcpLbModule.Completion
{
    /// <summary>
    /// Which kind of job a command of this module acts on (Set-TcpBackend: backend jobs; the
    /// balancer cmdlets: balancer jobs), found from the command name a completer is given.
    /// </summary>
    internal static class CommandJobKind
    {
        private static readonly Lazy<Dictionary<string, (string Noun, Type Command, Type Job)>> Commands =
            new Lazy<Dictionary<string, (string, Type, Type)>>(FindCommands);

        /// <summary>The job type of <paramref name="commandName"/>, or null when it is not one of the JobTargetCommand cmdlets.</summary>
        public static Type? JobType(string? commandName) => Find(commandName)?.Job;

        /// <summary>The cmdlet class behind <paramref name="commandName"/>, or null.</summary>
        public static Type? CommandType(string? commandName) => Find(commandName)?.Command;

        private static (string Noun, Type Command, Type Job)? Find(string? commandName)
        {
            if (string.IsNullOrEmpty(commandName))
            {
                return null;
            }
            // "TcpLbModule\Stop-TcpBalancer" is the same command.
            string name = commandName!.Substring(commandName.LastIndexOf('\\') + 1);
            if (Commands.Value.TryGetValue(name, out var found))
            {
                return found;
            }
            // Import-Module -Prefix X makes Stop-XTcpBalancer: the same verb and a noun that ends in ours.
            int dash = name.IndexOf('-');
            if (dash > 0)
            {
                string verb = name.Substring(0, dash);
                string noun = name.Substring(dash + 1);
                foreach (var entry in Commands.Value)
                {
                    if (entry.Key.StartsWith(verb + "-", StringComparison.OrdinalIgnoreCase) && noun.EndsWith(entry.Value.Noun, StringComparison.OrdinalIgnoreCase))
                    {
                        return entry.Value;
                    }
                }
            }
            return null;
        }

        private static Dictionary<string, (string, Type, Type)> FindCommands()
        {
            var commands = new Dictionary<string, (string, Type, Type)>(StringComparer.OrdinalIgnoreCase);
            foreach (Type type in typeof(CommandJobKind).Assembly.GetTypes())
            {
                var cmdlet = (CmdletAttribute?)type.GetCustomAttributes(typeof(CmdletAttribute), false).FirstOrDefault();
                Type? job = JobOf(type);
                if (cmdlet != null && job != null)
                {
                    commands[cmdlet.VerbName + "-" + cmdlet.NounName] = (cmdlet.NounName, type, job);
                }
            }
            return commands;
        }

        private static Type? JobOf(Type? type)
        {
            for (; type != null; type = type.BaseType)
            {
                if (type.IsGenericType && (type.GetGenericTypeDefinition() == typeof(JobTargetCommand<>) || type.GetGenericTypeDefinition() == typeof(GetTcpServerCommand<>)))
                {
                    return type.GetGenericArguments()[0];
                }
            }
            return null;
        }
    }
}
