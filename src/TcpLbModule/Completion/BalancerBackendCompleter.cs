using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using TcpLb.Engine.Balancing;
using TcpLbModule.Commands;
using TcpLbModule.Jobs;

namespace TcpLbModule.Completion
{
    /// <summary>
    /// Completes -Backend of the balancer control cmdlets with the members of the pool of the
    /// balancer named on the command line (-Job, -Name or -Id), else of every running balancer.
    /// For Add-TcpBalancerBackend it offers what can be added instead: running backend jobs that
    /// are not in that pool yet. Typing a port finds a backend by its port.
    /// </summary>
    public sealed class BalancerBackendCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            List<TcpBalancerJob> balancers = NamedBalancers(fakeBoundParameters);
            string typed = CompletionText.Unquoted(wordToComplete);
            HashSet<string> given = Given(fakeBoundParameters?["Backend"], typed);
            var results = new List<CompletionResult>();
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

            if (CommandJobKind.CommandType(commandName) == typeof(AddTcpBalancerBackendCommand))
            {
                var inPool = new HashSet<BackendAddress>(balancers.SelectMany(b => b.Balancer.Backends).Select(b => b.Address));
                foreach (TcpBackendJob job in ModuleJobRegistry.RunningInCurrentRunspace().OfType<TcpBackendJob>())
                {
                    if (BackendArgument.TryConvert(job, out BackendAddress? address, out _) && !inPool.Contains(address!))
                    {
                        Add(results, seen, given, typed, address!, $"Backend job '{job.Name}' (Id {job.Id}), {job.Mode}, not in the pool yet", wordToComplete);
                    }
                }
                return results;
            }

            foreach (TcpBalancerJob balancer in balancers)
            {
                foreach (Backend backend in balancer.Balancer.Backends)
                {
                    Add(results, seen, given, typed, backend.Address, $"{backend.State} in balancer '{balancer.Name}' (Id {balancer.Id})", wordToComplete);
                }
            }
            return results;
        }

        private static void Add(List<CompletionResult> results, HashSet<string> seen, HashSet<string> given, string typed, BackendAddress address, string toolTip, string wordToComplete)
        {
            string text = address.ToString();
            string port = address.Port.ToString(CultureInfo.InvariantCulture);
            bool matches = text.StartsWith(typed, StringComparison.OrdinalIgnoreCase) || port.StartsWith(typed, StringComparison.Ordinal);
            if (matches && !given.Contains(text) && seen.Add(text))
            {
                results.Add(CompletionText.Result(text, text, toolTip, wordToComplete));
            }
        }

        /// <summary>The running balancers that -Job, -Name or -Id already name; all of them when none is named.</summary>
        internal static List<TcpBalancerJob> NamedBalancers(IDictionary? bound)
        {
            List<TcpBalancerJob> running = ModuleJobRegistry.RunningInCurrentRunspace().OfType<TcpBalancerJob>().ToList();
            if (bound == null)
            {
                return running;
            }
            if (bound.Contains("Job"))
            {
                return Values(bound["Job"]).OfType<TcpBalancerJob>().ToList();
            }
            if (bound.Contains("Name"))
            {
                var patterns = Values(bound["Name"]).Select(n => new WildcardPattern(Convert.ToString(n, CultureInfo.InvariantCulture) ?? "", WildcardOptions.IgnoreCase)).ToList();
                return running.Where(j => patterns.Any(p => p.IsMatch(j.Name))).ToList();
            }
            if (bound.Contains("Id"))
            {
                var ids = new HashSet<int>();
                foreach (object value in Values(bound["Id"]))
                {
                    if (LanguagePrimitives.TryConvertTo(value, CultureInfo.InvariantCulture, out int id))
                    {
                        ids.Add(id);
                    }
                }
                return running.Where(j => ids.Contains(j.Id)).ToList();
            }
            return running;
        }

        /// <summary>
        /// The backends already typed for -Backend, as addresses, so they are not offered twice;
        /// the word being completed is among the bound values too, and does not count.
        /// </summary>
        private static HashSet<string> Given(object? value, string typed)
        {
            var given = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            foreach (object item in Values(value))
            {
                if (string.Equals(Convert.ToString(item, CultureInfo.InvariantCulture), typed, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }
                if (BackendArgument.TryConvert(item, out BackendAddress? address, out _, jobMustBeRunning: false))
                {
                    given.Add(address!.ToString());
                }
            }
            return given;
        }

        /// <summary>A bound value as a flat list of base objects (a single value, an array, PSObjects).</summary>
        private static IEnumerable<object> Values(object? value)
        {
            object? inner = value is PSObject wrapped ? wrapped.BaseObject : value;
            if (inner == null)
            {
                yield break;
            }
            if (inner is IEnumerable list && !(inner is string))
            {
                foreach (object? item in list)
                {
                    object? element = item is PSObject w ? w.BaseObject : item;
                    if (element != null)
                    {
                        yield return element;
                    }
                }
                yield break;
            }
            yield return inner;
        }
    }
}
