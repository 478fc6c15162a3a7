namespace Evaluation.Web.Infrastructure;

public static class DownloadNames
{
    private const string NotInFileNames = "/\\\"<>:*?|";

    /// <summary>
    /// A download's file name made from names staff typed: characters that some file system refuses, that a browser would
    /// read as a folder, or that cannot stand in a header become '_'. The header stays valid and the saved file keeps its
    /// extension, whatever a unit or an evaluation is called.
    /// </summary>
    public static string Safe(string fileName) =>
        string.Create(fileName.Length, fileName, static (span, name) =>
        {
            for (var i = 0; i < name.Length; i++)
                span[i] = char.IsControl(name[i]) || NotInFileNames.Contains(name[i]) ? '_' : name[i];
        });
}
