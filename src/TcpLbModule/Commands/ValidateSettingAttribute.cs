using System;
using System.Globalization;
using System.Management.Automation;
using TcpLb.Configuration.Settings;

namespace TcpLbModule.Commands
{
    /// <summary>
    /// A parameter that sets a balancer setting: its value is checked against the setting's one
    /// range (<see cref="BalancerSettings"/>), the same on Start-, Update-TcpBalancer and in files.
    /// The parameter's name is the setting's; an attribute takes only constants, so the range is
    /// looked up when the value arrives.
    /// </summary>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    internal sealed class ValidateSettingAttribute : ValidateArgumentsAttribute
    {
        public ValidateSettingAttribute(string name)
        {
            Setting = BalancerSettings.Find(name) ?? throw new ArgumentException($"'{name}' is not a balancer setting.", nameof(name));
        }

        public BalancerSetting Setting { get; }

        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            object value = arguments is PSObject wrapped ? wrapped.BaseObject : arguments;
            long number = Convert.ToInt64(value, CultureInfo.InvariantCulture);
            if (!Setting.Accepts(number))
            {
                throw new ValidationMetadataException($"{number.ToString(CultureInfo.InvariantCulture)} is out of range for -{Setting.Name}. Accepted: {Setting.Accepted}.");
            }
        }
    }
}
