using System;

namespace TcpLb.Engine.Balancing
{
    /// <summary>Active health checks, as HAProxy's inter / timeout check / rise / fall.</summary>
    public sealed class HealthCheckOptions
    {
        /// <summary>Time between checks of each backend; zero turns active checks off.</summary>
        public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(2);

        /// <summary>How long one check may take (connect, and the expected reply).</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(1);

        /// <summary>Successful checks in a row that bring a Down backend Up.</summary>
        public int Rise { get; set; } = 2;

        /// <summary>Failed checks in a row that take an Up backend Down.</summary>
        public int Fall { get; set; } = 3;

        /// <summary>Sent after connecting, when set.</summary>
        public string? Send { get; set; }

        /// <summary>When set, the reply must start with this text for the check to pass.</summary>
        public string? ExpectPrefix { get; set; }

        public bool Enabled => Interval > TimeSpan.Zero;

        public HealthCheckOptions Copy() => (HealthCheckOptions)MemberwiseClone();

        internal void Validate()
        {
            if (Interval < TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(Interval), Interval, "The health check interval must be zero (off) or more.");
            }
            if (Enabled && Timeout <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(Timeout), Timeout, "The health check timeout must be greater than zero.");
            }
            if (Rise < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(Rise), Rise, "Rise must be 1 or more.");
            }
            if (Fall < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(Fall), Fall, "Fall must be 1 or more.");
            }
        }
    }
}
