using System.Text.Encodings.Web;
using System.Text.Json;

namespace TcpLb.Dashboard
{
    /// <summary>How the dashboard writes JSON: readable messages (an apostrophe stays one), served as application/json with nosniff.</summary>
    internal static class JsonOptions
    {
        public static readonly JsonWriterOptions Writer = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    }
}
