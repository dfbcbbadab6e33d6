namespace TcpLbModule.Commands
{
    /// <summary>
    /// Where Get-Help -Online sends readers: each cmdlet's docs/ file in the repository (the
    /// source of its Get-Help text). The manifest has no ProjectUri yet; this is the repository's
    /// natural home, and the one place to change when it moves.
    /// </summary>
    internal static class HelpLinks
    {
        public const string Docs = "https://github.com/TcpLbModule/TcpLbModule/blob/main/docs/";
    }
}
