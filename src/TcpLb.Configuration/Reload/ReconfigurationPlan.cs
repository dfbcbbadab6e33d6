using System;
using System.Globalization;
using System.Collections.Generic;
using System.Linq;
using TcpLb.Configuration.Settings;
using TcpLb.Engine.Access;
using TcpLb.Engine.Balancing;

namespace TcpLb.Configuration.Reload
{
    /// <summary>
    /// The difference between a running balancer's configuration (<see cref="TcpBalancer.CurrentConfiguration"/>)
    /// and the one wanted for it, as a list of changes, and how to apply them to the running
    /// balancer without dropping a connection: added backends join at the end of the rotation,
    /// removed ones drain (open connections finish), a changed weight, backup flag or connection
    /// limit applies in place to new connections (the backend keeps its place, counters and open
    /// connections), and settings apply to new connections. The listen address and port cannot
    /// change: a plan with such a change is refused as a whole. Pool order is not a change: a
    /// backend that stays keeps its place.
    /// </summary>
    public sealed class ReconfigurationPlan
    {
        private readonly TcpBalancerOptions _desired;

        private ReconfigurationPlan(TcpBalancerOptions desired, List<BalancerChange> changes)
        {
            _desired = desired;
            Changes = changes;
        }

        /// <summary>Every difference: the algorithm and settings, then backends changed, added (before any is removed), removed.</summary>
        public IReadOnlyList<BalancerChange> Changes { get; }

        /// <summary>Changes that cannot be made while the balancer runs; when any, <see cref="Apply"/> refuses.</summary>
        public IReadOnlyList<BalancerChange> NotChangeable => Changes.Where(c => c.Kind == BalancerChangeKind.NotChangeable).ToList();

        /// <summary>
        /// Compares <paramref name="current"/> with <paramref name="desired"/>. Throws
        /// <see cref="ArgumentException"/> when <paramref name="desired"/> is not valid (no
        /// backends, a backend twice, a value out of range), naming it. A desired port of 0 means
        /// "the port it has".
        /// </summary>
        public static ReconfigurationPlan Create(TcpBalancerOptions current, TcpBalancerOptions desired)
        {
            if (current == null)
            {
                throw new ArgumentNullException(nameof(current));
            }
            if (desired == null)
            {
                throw new ArgumentNullException(nameof(desired));
            }
            desired = desired.Copy();
            desired.Validate();
            var changes = new List<BalancerChange>();
            AddIfDifferent(changes, BalancerChangeKind.NotChangeable, BalancerSettings.ListenAddress, current, desired);
            if (desired.Port != 0 && desired.Port != current.Port)
            {
                changes.Add(new BalancerChange(BalancerChangeKind.NotChangeable, null, "Port", current.Port.ToString(), desired.Port.ToString()));
            }
            AddIfDifferent(changes, BalancerChangeKind.AlgorithmChanged, BalancerSettings.Algorithm, current, desired);
            foreach (LiveSetting setting in LiveSetting.All)
            {
                string was = setting.Show(current);
                string now = setting.Show(desired);
                if (was != now)
                {
                    changes.Add(new BalancerChange(BalancerChangeKind.SettingChanged, null, setting.Name, was, now));
                }
            }
            // Access rules change live, as Set-TcpBalancerAccess changes them (compared as the engine reads them).
            AddIfDifferent(changes, BalancerChangeKind.SettingChanged, BalancerSettings.AllowFrom, current, desired);
            AddIfDifferent(changes, BalancerChangeKind.SettingChanged, BalancerSettings.DenyFrom, current, desired);
            // Held for the balancer's life by a reload: a change is refused, saying what changes it instead.
            foreach (BalancerSetting setting in BalancerSettings.All.Where(s => !s.Live))
            {
                AddIfDifferent(changes, BalancerChangeKind.NotChangeable, setting.Name, setting.Show(current), setting.Show(desired));
            }
            foreach (BalancerValueSetting setting in BalancerSettings.Values.Where(s => !s.Live && s != BalancerSettings.ListenAddress))
            {
                AddIfDifferent(changes, BalancerChangeKind.NotChangeable, setting, current, desired);
            }
            AddIfDifferent(changes, BalancerChangeKind.NotChangeable, "Toxics", List(current.Toxics.Select(t => t.ToString())), List(desired.Toxics.Select(t => t.ToString())));

            var currentByAddress = current.Backends.ToDictionary(b => b.Address);
            var desiredAddresses = new HashSet<BackendAddress>(desired.Backends.Select(b => b.Address));
            foreach (BackendDefinition wanted in desired.Backends)
            {
                if (!currentByAddress.TryGetValue(wanted.Address, out BackendDefinition? was))
                {
                    continue;
                }
                string address = wanted.Address.ToString();
                if (was.Weight != wanted.Weight)
                {
                    changes.Add(new BalancerChange(BalancerChangeKind.WeightChanged, address, "Weight", was.Weight.ToString(), wanted.Weight.ToString()));
                }
                if (was.Backup != wanted.Backup)
                {
                    changes.Add(new BalancerChange(BalancerChangeKind.BackendChanged, address, "Backup", was.Backup ? "yes" : "no", wanted.Backup ? "yes" : "no"));
                }
                // Compared as in force: a backend without its own limit has the balancer's.
                int wasLimit = was.MaxConnections ?? current.BackendMaxConnections;
                int wantedLimit = wanted.MaxConnections ?? desired.BackendMaxConnections;
                if (wasLimit != wantedLimit)
                {
                    changes.Add(new BalancerChange(BalancerChangeKind.BackendChanged, address, "MaxConnections", LiveSetting.Limit(wasLimit), LiveSetting.Limit(wantedLimit)));
                }
                if (was.SendProxyProtocol != wanted.SendProxyProtocol)
                {
                    changes.Add(new BalancerChange(BalancerChangeKind.NotChangeable, address, "SendProxyProtocol", was.SendProxyProtocol?.ToString() ?? "(the balancer's)", wanted.SendProxyProtocol?.ToString() ?? "(the balancer's)"));
                }
            }
            // Added before removed: a pool swapped for another is never empty on the way.
            foreach (BackendDefinition wanted in desired.Backends)
            {
                if (!currentByAddress.ContainsKey(wanted.Address))
                {
                    changes.Add(new BalancerChange(BalancerChangeKind.BackendAdded, wanted.Address.ToString(), null, null, wanted.ToString()));
                }
            }
            foreach (BackendDefinition was in current.Backends)
            {
                if (!desiredAddresses.Contains(was.Address))
                {
                    changes.Add(new BalancerChange(BalancerChangeKind.BackendRemoved, was.Address.ToString(), null, was.ToString(), null));
                }
            }
            return new ReconfigurationPlan(desired, changes);
        }

        /// <summary>
        /// Applies the changes <paramref name="accept"/> lets through (all when null; -Confirm asks
        /// per change) to <paramref name="balancer"/> and returns them, in plan order. Throws
        /// <see cref="InvalidOperationException"/>, changing nothing, when the plan has changes that
        /// cannot be made while it runs, and <see cref="ArgumentException"/> when an added backend
        /// is refused (the balancer itself, a loop); the changes before it stay applied.
        /// </summary>
        public IReadOnlyList<BalancerChange> Apply(TcpBalancer balancer, Func<BalancerChange, bool>? accept = null)
        {
            if (balancer == null)
            {
                throw new ArgumentNullException(nameof(balancer));
            }
            IReadOnlyList<BalancerChange> refused = NotChangeable;
            if (refused.Count > 0)
            {
                throw new InvalidOperationException(string.Join("; ", refused) + ". Stop the balancer and start it with the new settings.");
            }
            var accepted = Changes.Where(c => accept == null || accept(c)).ToList();

            // Settings first, so a backend without its own limit gets the new BackendMaxConnections.
            var settingChanges = accepted.Where(c => c.Kind == BalancerChangeKind.SettingChanged && c.Setting != AllowFromSetting && c.Setting != DenyFromSetting).ToList();
            if (settingChanges.Count > 0)
            {
                TcpBalancerOptions settings = balancer.CurrentConfiguration();
                foreach (BalancerChange change in settingChanges)
                {
                    LiveSetting.All.First(s => s.Name == change.Setting).Copy(_desired, settings);
                }
                balancer.ApplySettings(settings);
            }
            bool allowChanges = accepted.Any(c => c.Setting == AllowFromSetting);
            bool denyChanges = accepted.Any(c => c.Setting == DenyFromSetting);
            if (allowChanges || denyChanges)
            {
                AccessRules running = balancer.Access.Rules;
                balancer.SetAccessRules(AccessRules.Create(
                    allowChanges ? (IEnumerable<string>)_desired.AllowFrom : running.AllowTexts(),
                    denyChanges ? (IEnumerable<string>)_desired.DenyFrom : running.DenyTexts()));
            }
            foreach (BalancerChange change in accepted)
            {
                switch (change.Kind)
                {
                    case BalancerChangeKind.AlgorithmChanged:
                        balancer.SetAlgorithm(_desired.Algorithm);
                        break;
                    case BalancerChangeKind.WeightChanged:
                        balancer.SetWeight(Wanted(change).Address, Wanted(change).Weight);
                        break;
                    case BalancerChangeKind.BackendChanged:
                        BackendDefinition wanted = Wanted(change);
                        Backend? backend = balancer.FindBackend(wanted.Address);
                        if (backend != null)
                        {
                            // Only the setting this change names: another may have been declined.
                            bool backup = change.Setting == "Backup" ? wanted.Backup : backend.IsBackup;
                            int limit = change.Setting == "MaxConnections" ? wanted.MaxConnections ?? _desired.BackendMaxConnections : backend.MaxConnections;
                            balancer.UpdateBackend(new BackendDefinition(wanted.Address, backend.Weight, backup, limit));
                        }
                        break;
                    case BalancerChangeKind.BackendAdded:
                        balancer.AddBackend(Wanted(change));
                        break;
                    case BalancerChangeKind.BackendRemoved:
                        balancer.RemoveBackend(BackendAddress.Parse(change.Backend!));
                        break;
                }
            }
            return accepted;
        }

        private static readonly string AllowFromSetting = BalancerSettings.AllowFrom.Name;
        private static readonly string DenyFromSetting = BalancerSettings.DenyFrom.Name;

        private static void AddIfDifferent(List<BalancerChange> changes, BalancerChangeKind kind, BalancerValueSetting setting, TcpBalancerOptions current, TcpBalancerOptions desired)
            => AddIfDifferent(changes, kind, setting.Name, setting.Show(current), setting.Show(desired));

        private static void AddIfDifferent(List<BalancerChange> changes, BalancerChangeKind kind, string setting, string was, string now)
        {
            if (was != now)
            {
                changes.Add(new BalancerChange(kind, null, setting, was, now));
            }
        }

        private static string List(IEnumerable<string> items) => BalancerSettings.Texts(items);

        private BackendDefinition Wanted(BalancerChange change)
            => _desired.Backends.First(b => b.Address.ToString() == change.Backend);
    }
}
