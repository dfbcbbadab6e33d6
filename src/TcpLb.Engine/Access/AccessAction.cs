namespace TcpLb.Engine.Access
{
    public enum AccessAction
    {
        /// <summary>The source may connect (when no deny rule matches it).</summary>
        Allow,

        /// <summary>The source is reset at accept; deny wins over allow.</summary>
        Deny,
    }
}
