using System.Text.Json.Nodes;

namespace Evaluation.Tests.Core;

public static class CanonicalJsonAssert
{
    /// <summary>Every object's keys, at every depth, in ordinal order: what makes a canonical form hash reproducible.</summary>
    public static void KeysSorted(JsonNode? node, string path = "$")
    {
        switch (node)
        {
            case JsonObject obj:
                var keys = obj.Select(p => p.Key).ToList();
                Assert.That(keys, Is.EqualTo(keys.Order(StringComparer.Ordinal).ToList()), path);
                foreach (var (key, value) in obj) KeysSorted(value, $"{path}.{key}");
                break;
            case JsonArray array:
                for (var i = 0; i < array.Count; i++) KeysSorted(array[i], $"{path}[{i}]");
                break;
        }
    }
}
