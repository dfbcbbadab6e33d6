using System.Management.Automation;
using TcpLb.Configuration;

namespace TcpLbModule.Commands
{
    /// <summary>-Name of Start-TcpBalancer and Start-TcpBackend: the rule of <see cref="ServerName"/>, the same as a file's name key.</summary>
    internal sealed class ValidateServerNameAttribute : ValidateArgumentsAttribute
    {
        protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
        {
            string name = arguments is PSObject wrapped ? wrapped.BaseObject?.ToString() ?? "" : arguments?.ToString() ?? "";
            string? why = ServerName.WhyNot(name);
            if (why != null)
            {
                throw new ValidationMetadataException($"'{ServerName.Shown(name)}' is not accepted ({why}). Accepted: {ServerName.Accepted}.");
            }
        }
    }
}
