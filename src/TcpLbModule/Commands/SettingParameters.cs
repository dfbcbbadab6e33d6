using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using TcpLb.Configuration.Settings;
using TcpLb.Engine.Balancing;

namespace TcpLbModule.Commands
{
    /// <summary>The one mapping from a cmdlet's setting parameters (named as <see cref="BalancerSettings"/> names them) to the options.</summary>
    internal static class SettingParameters
    {
        /// <summary>Sets each setting whose parameter was given; the others keep the value <paramref name="options"/> has (the engine's default, the file's, or the running one).</summary>
        public static void Apply(IDictionary<string, object> bound, TcpBalancerOptions options)
        {
            foreach (BalancerSetting setting in BalancerSettings.All)
            {
                if (bound.TryGetValue(setting.Name, out object? value) && value != null)
                {
                    object number = value is PSObject wrapped ? wrapped.BaseObject : value;
                    setting.Set(options, Convert.ToInt32(number, CultureInfo.InvariantCulture));
                }
            }
        }
    }
}
