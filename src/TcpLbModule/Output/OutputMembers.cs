using System;
using System.Management.Automation;
using System.Reflection;

namespace TcpLbModule.Output
{
    /// <summary>
    /// The getters of the members TcpLbModule.types.ps1xml adds to what the module outputs: every
    /// duration a second time as a number of milliseconds, which serializers (ConvertTo-Json,
    /// Export-Csv) write as a plain number (a TimeSpan is 15 fields in JSON and "00:00:00.0233974"
    /// in CSV). The C# types keep their TimeSpans for C# callers.
    /// </summary>
    public static class OutputMembers
    {
        public static double? LatencyMs(PSObject instance) => Milliseconds(instance, "Latency");

        public static double? LatencyMinMs(PSObject instance) => Milliseconds(instance, "LatencyMin");

        public static double? LatencyMeanMs(PSObject instance) => Milliseconds(instance, "LatencyMean");

        public static double? LatencyP50Ms(PSObject instance) => Milliseconds(instance, "LatencyP50");

        public static double? LatencyP90Ms(PSObject instance) => Milliseconds(instance, "LatencyP90");

        public static double? LatencyP99Ms(PSObject instance) => Milliseconds(instance, "LatencyP99");

        public static double? LatencyMaxMs(PSObject instance) => Milliseconds(instance, "LatencyMax");

        /// <summary>A TimeSpan property in milliseconds, to the microsecond.</summary>
        private static double? Milliseconds(PSObject instance, string property)
            => Read(instance, property) is TimeSpan duration ? Math.Round(duration.TotalMilliseconds, 3) : (double?)null;

        private static object? Read(PSObject instance, string property)
        {
            object target = instance.BaseObject;
            PropertyInfo? info = target.GetType().GetProperty(property, BindingFlags.Public | BindingFlags.Instance);
            return info?.GetValue(target);
        }
    }
}
