using System;

namespace TcpLb.Dashboard
{
    /// <summary>A request the dashboard refuses: the status code and a message that says why (the response's body).</summary>
    public sealed class HttpProblem : Exception
    {
        public HttpProblem(int status, string message)
            : base(message)
        {
            Status = status;
        }

        public int Status { get; }

        /// <summary>For 405: the methods the path accepts.</summary>
        public string? Allow { get; set; }

        public static HttpProblem NotFound(string what) => new HttpProblem(404, what);

        public static HttpProblem BadRequest(string why) => new HttpProblem(400, why);

        public static HttpProblem MethodNotAllowed(string method, string path, string allow)
            => new HttpProblem(405, $"{method} is not allowed on {path}; use {allow}.") { Allow = allow };
    }
}
