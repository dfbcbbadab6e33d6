using System;
using System.IO;
using System.Runtime.Serialization;
using System.Runtime.Serialization.Json;
using System.Text;

namespace TcpLbModule.Detached
{
    /// <summary>What the registry knows of one detached server: one JSON file in the runtime folder.</summary>
    [DataContract]
    internal sealed class DetachedServerEntry
    {
        private static readonly DataContractJsonSerializer Serializer = new DataContractJsonSerializer(typeof(DetachedServerEntry));

        [DataMember(Order = 0)] public string Name { get; set; } = "";

        /// <summary>Balancer or Backend.</summary>
        [DataMember(Order = 1)] public string Kind { get; set; } = "";

        [DataMember(Order = 2)] public int Pid { get; set; }

        /// <summary>The process's start time (UTC, round-trip format): a reused pid has another.</summary>
        [DataMember(Order = 3)] public string ProcessStartTime { get; set; } = "";

        [DataMember(Order = 4)] public int Port { get; set; }

        [DataMember(Order = 5)] public string ListenAddress { get; set; } = "";

        /// <summary>The PowerShell remoting pipe of the process (pwsh -CustomPipeName).</summary>
        [DataMember(Order = 6)] public string PipeName { get; set; } = "";

        [DataMember(Order = 7)] public string StartedAt { get; set; } = "";

        [DataMember(Order = 8)] public string ModulePath { get; set; } = "";

        /// <summary>A balancer's transport (Loop or Stream), fixed while it runs; empty for a backend (null in an entry of an older version).</summary>
        [DataMember(Order = 9)] public string? Transport { get; set; } = "";

        /// <summary>A balancer's algorithm, rewritten when a reload changes it; empty for a backend (null in an entry of an older version).</summary>
        [DataMember(Order = 10)] public string? Algorithm { get; set; } = "";

        public string ToJson()
        {
            using (var stream = new MemoryStream())
            {
                Serializer.WriteObject(stream, this);
                return Encoding.UTF8.GetString(stream.ToArray());
            }
        }

        /// <summary>The entry in a file, or null when the file is not one (a partial or foreign file).</summary>
        public static DetachedServerEntry? Read(string file)
        {
            try
            {
                using (var stream = File.OpenRead(file))
                {
                    var entry = (DetachedServerEntry?)Serializer.ReadObject(stream);
                    return entry == null || string.IsNullOrEmpty(entry.Name) || entry.Pid <= 0 ? null : entry;
                }
            }
            catch (Exception e) when (e is IOException || e is SerializationException || e is UnauthorizedAccessException)
            {
                return null;
            }
        }
    }
}
