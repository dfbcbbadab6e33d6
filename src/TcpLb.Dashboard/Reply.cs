using System.Text;

namespace TcpLb.Dashboard
{
    /// <summary>What a handler answers: status, content type and body.</summary>
    internal sealed class Reply
    {
        public const string Json = "application/json; charset=utf-8";
        public const string Text = "text/plain; charset=utf-8";

        public Reply(int status, string contentType, byte[] body)
        {
            Status = status;
            ContentType = contentType;
            Body = body;
        }

        public int Status { get; }

        public string ContentType { get; }

        public byte[] Body { get; }

        public static Reply Ok(string contentType, string body) => new Reply(200, contentType, Encoding.UTF8.GetBytes(body));

        public static Reply OkJson(byte[] body, int status = 200) => new Reply(status, Json, body);

        public static Reply NoContent() => new Reply(204, Text, new byte[0]);
    }
}
