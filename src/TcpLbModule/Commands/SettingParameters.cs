using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using TcpLb.Configuration.Settings;
using TcpLb.Engine.Balancing;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// The one mapping from a cmdlet's setting parameters (named as <see cref="BalancerSettings"/>
    /// names them) to the options: the whole numbers of <see cref="BalancerSettings.All"/> and the
    /// values of <see cref="BalancerSettings.Values"/>.
    /// </summary>
    internal static class SettingParameters
    {
        /// <summary>
        /// Sets each setting whose parameter was given; the others keep the value <paramref name="options"/>
        /// has (the engine's default, the file's, or the running one). A parameter whose text the
        /// cmdlet reads first (an address, a rate, access ranges) gives its value read in <paramref name="read"/>.
        /// </summary>
        public static void Apply(IDictionary<string, object> bound, TcpBalancerOptions options, IDictionary<string, object?>? read = null)
        {
            foreach (BalancerSetting setting in BalancerSettings.All)
            {
                if (bound.TryGetValue(setting.Name, out object? value) && value != null)
                {
                    setting.Set(options, Convert.ToInt32(Unwrapped(value), CultureInfo.InvariantCulture));
                }
            }
            foreach (BalancerValueSetting setting in BalancerSettings.Values)
            {
                if (bound.TryGetValue(setting.Name, out object? value))
                {
                    setting.Set(options, read != null && read.TryGetValue(setting.Name, out object? readValue) ? readValue : Unwrapped(value));
                }
            }
        }

        private static object? Unwrapped(object? value)
        {
            value = value is PSObject wrapped ? wrapped.BaseObject : value;
            return value is SwitchParameter switchParameter ? switchParameter.IsPresent : value;
        }
    }
}
