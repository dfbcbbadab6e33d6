using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace TcpLb.Engine.Tls
{
    /// <summary>
    /// Certificates for TLS: loaded from a PFX (PKCS#12) file, from PEM files (certificate and
    /// key), or made on the spot (self-signed, for tests). PFX works everywhere; PEM and
    /// self-signed use .NET 5+ APIs (X509Certificate2.CreateFromPemFile, CertificateRequest) that
    /// netstandard2.0 does not declare, so they are looked up at run time: they work in
    /// PowerShell 7 and not in Windows PowerShell 5.1, which gets an error that says so.
    /// </summary>
    public static class TlsCertificates
    {
        public const string AcceptedForms = "a PFX (PKCS#12) file with its private key (with its password, if it has one), or a PEM certificate file with its unencrypted private key in the same file or in a key file";

        /// <summary>
        /// Loads a certificate with its private key, for a listener. <paramref name="keyPath"/>
        /// is for PEM only (null: the key is in the certificate file). Throws
        /// <see cref="TlsCertificateException"/> naming the file on any failure.
        /// </summary>
        public static X509Certificate2 LoadWithKey(string path, string? password = null, string? keyPath = null)
        {
            EnsureExists(path, "certificate");
            bool pem = IsPem(path);
            X509Certificate2 certificate;
            if (pem)
            {
                if (keyPath != null)
                {
                    EnsureExists(keyPath, "key");
                }
                if (password != null)
                {
                    throw new TlsCertificateException($"The certificate file '{path}' is PEM, and a password was given: encrypted PEM keys are not supported. Give the key unencrypted (openssl pkey -in key.pem -out plain.pem), or use a PFX file with its password.", path);
                }
                certificate = LoadPem(path, keyPath);
            }
            else
            {
                if (keyPath != null)
                {
                    throw new TlsCertificateException($"The certificate file '{path}' is not PEM, so a key file ('{keyPath}') does not apply: a PFX file holds its own key. Accepted: {AcceptedForms}.", keyPath);
                }
                try
                {
                    certificate = new X509Certificate2(path, password, X509KeyStorageFlags.Exportable);
                }
                catch (CryptographicException e)
                {
                    string why = password == null
                        ? "it is not a PFX (PKCS#12) or PEM file, or it needs a password"
                        : "the password is wrong, or it is not a PFX (PKCS#12) or PEM file";
                    throw new TlsCertificateException($"The certificate file '{path}' cannot be read: {why} ({e.Message.TrimEnd('.')}). Accepted: {AcceptedForms}.", path, inner: e);
                }
            }
            if (!certificate.HasPrivateKey)
            {
                certificate.Dispose();
                throw new TlsCertificateException($"The certificate file '{path}' holds no private key: a listener needs it. Accepted: {AcceptedForms}.", path);
            }
            return certificate;
        }

        /// <summary>Certificates to trust (a CA, or a server's self-signed certificate): PEM (one or more) or DER.</summary>
        public static IList<X509Certificate2> LoadTrusted(string path)
        {
            EnsureExists(path, "trusted certificate");
            var certificates = new List<X509Certificate2>();
            try
            {
                if (IsPem(path))
                {
                    foreach (string block in PemBlocks(File.ReadAllText(path), "CERTIFICATE"))
                    {
                        certificates.Add(new X509Certificate2(Convert.FromBase64String(block)));
                    }
                }
                else
                {
                    certificates.Add(new X509Certificate2(File.ReadAllBytes(path)));
                }
            }
            catch (Exception e) when (e is CryptographicException || e is FormatException)
            {
                throw new TlsCertificateException($"The trusted certificate file '{path}' cannot be read ({e.Message.TrimEnd('.')}). Accepted: PEM certificates (-----BEGIN CERTIFICATE-----) or one DER certificate.", path, inner: e);
            }
            if (certificates.Count == 0)
            {
                throw new TlsCertificateException($"The trusted certificate file '{path}' holds no certificate. Accepted: PEM certificates (-----BEGIN CERTIFICATE-----) or one DER certificate.", path);
            }
            return certificates;
        }

        /// <summary>
        /// A throwaway self-signed certificate for localhost, 127.0.0.1 and ::1 (ECDSA P-256,
        /// valid from five minutes ago for <paramref name="validFor"/>, 7 days by default), with its key.
        /// </summary>
        public static X509Certificate2 CreateSelfSigned(string commonName = "localhost", TimeSpan? validFor = null)
        {
            Type? request = typeof(X509Certificate2).Assembly.GetType("System.Security.Cryptography.X509Certificates.CertificateRequest")
                ?? Type.GetType("System.Security.Cryptography.X509Certificates.CertificateRequest, System.Core");
            ConstructorInfo? create = request?.GetConstructor(new[] { typeof(string), typeof(ECDsa), typeof(HashAlgorithmName) });
            MethodInfo? selfSign = request?.GetMethod("CreateSelfSigned", new[] { typeof(DateTimeOffset), typeof(DateTimeOffset) });
            PropertyInfo? extensions = request?.GetProperty("CertificateExtensions");
            if (create == null || selfSign == null || extensions == null)
            {
                throw new PlatformNotSupportedException("A self-signed certificate needs .NET's CertificateRequest (PowerShell 7, or .NET Framework 4.7.2 and later). Give a PFX file instead.");
            }
            using (ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
            {
                object builder = create.Invoke(new object[] { "CN=" + commonName, key, HashAlgorithmName.SHA256 });
                var list = (ICollection<X509Extension>)extensions.GetValue(builder)!;
                list.Add(new X509BasicConstraintsExtension(false, false, 0, false));
                list.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, false));
                list.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2") }, false));
                list.Add(new X509Extension("2.5.29.17", SubjectAlternativeNames(commonName), false));
                DateTimeOffset now = DateTimeOffset.UtcNow;
                using (var made = (X509Certificate2)selfSign.Invoke(builder, new object[] { now.AddMinutes(-5), now.Add(validFor ?? TimeSpan.FromDays(7)) })!)
                {
                    // Through PKCS#12 and back: a key that lives in a file-less container is not
                    // usable by SslStream on Windows; elsewhere this costs a millisecond.
                    return new X509Certificate2(made.Export(X509ContentType.Pkcs12), (string?)null, X509KeyStorageFlags.Exportable);
                }
            }
        }

        /// <summary>The PEM blocks of a kind ("CERTIFICATE"), as base64 text.</summary>
        private static IEnumerable<string> PemBlocks(string text, string label)
        {
            string begin = "-----BEGIN " + label + "-----";
            string end = "-----END " + label + "-----";
            int at = 0;
            while ((at = text.IndexOf(begin, at, StringComparison.Ordinal)) >= 0)
            {
                int start = at + begin.Length;
                int stop = text.IndexOf(end, start, StringComparison.Ordinal);
                if (stop < 0)
                {
                    yield break;
                }
                yield return text.Substring(start, stop - start).Replace("\r", "").Replace("\n", "").Trim();
                at = stop + end.Length;
            }
        }

        private static X509Certificate2 LoadPem(string path, string? keyPath)
        {
            MethodInfo? fromPem = typeof(X509Certificate2).GetMethod("CreateFromPemFile", new[] { typeof(string), typeof(string) });
            if (fromPem == null)
            {
                throw new TlsCertificateException($"The certificate file '{path}' is PEM, which needs PowerShell 7 (.NET 5 or later) to load. Here, use a PFX (PKCS#12) file.", path);
            }
            try
            {
                using (var loaded = (X509Certificate2)fromPem.Invoke(null, new object?[] { path, keyPath })!)
                {
                    return new X509Certificate2(loaded.Export(X509ContentType.Pkcs12), (string?)null, X509KeyStorageFlags.Exportable);
                }
            }
            catch (TargetInvocationException e) when (e.InnerException is CryptographicException || e.InnerException is ArgumentException)
            {
                string key = keyPath == null ? $"no private key in '{path}' (give the key file with the key path)" : $"the key in '{keyPath}' is not the certificate's, or is encrypted or unreadable";
                throw new TlsCertificateException($"The PEM certificate '{path}' cannot be loaded with its key: {key} ({e.InnerException!.Message.TrimEnd('.')}). Accepted: {AcceptedForms}.", keyPath ?? path, inner: e.InnerException);
            }
        }

        private static void EnsureExists(string path, string what)
        {
            if (string.IsNullOrWhiteSpace(path))
            {
                throw new TlsCertificateException($"The {what} file path is empty. Accepted: {AcceptedForms}.", path, fileMissing: true);
            }
            if (!File.Exists(path))
            {
                throw new TlsCertificateException($"The {what} file '{path}' does not exist. Accepted: {AcceptedForms}.", path, fileMissing: true);
            }
        }

        private static bool IsPem(string path)
        {
            byte[] head = new byte[4096];
            int read;
            try
            {
                using (FileStream file = File.OpenRead(path))
                {
                    read = file.Read(head, 0, head.Length);
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                throw new TlsCertificateException($"The file '{path}' cannot be read: {e.Message}", path, inner: e);
            }
            return Encoding.ASCII.GetString(head, 0, read).IndexOf("-----BEGIN ", StringComparison.Ordinal) >= 0;
        }

        /// <summary>DER of a SubjectAltName extension: the name, 127.0.0.1 and ::1.</summary>
        private static byte[] SubjectAlternativeNames(string dnsName)
        {
            var names = new List<byte>();
            AddTagged(names, 0x82, Encoding.ASCII.GetBytes(dnsName));
            AddTagged(names, 0x87, IPAddress.Loopback.GetAddressBytes());
            AddTagged(names, 0x87, IPAddress.IPv6Loopback.GetAddressBytes());
            var sequence = new List<byte>();
            AddTagged(sequence, 0x30, names.ToArray());
            return sequence.ToArray();
        }

        private static void AddTagged(List<byte> into, byte tag, byte[] content)
        {
            into.Add(tag);
            if (content.Length < 0x80)
            {
                into.Add((byte)content.Length);
            }
            else if (content.Length <= 0xFF)
            {
                into.Add(0x81);
                into.Add((byte)content.Length);
            }
            else
            {
                into.Add(0x82);
                into.Add((byte)(content.Length >> 8));
                into.Add((byte)content.Length);
            }
            into.AddRange(content);
        }
    }
}
