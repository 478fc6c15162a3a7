using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Security.Cryptography;
using Dapper;
using Evaluation.Core.Audit;
using Evaluation.Core.Crypto;
using Evaluation.Core.Forms;
using Evaluation.Core.Tallies;
using Evaluation.Tests.Core.Audit;
using Evaluation.Tests.Features.Voting;
using Evaluation.Tests.Infrastructure;
using Evaluation.Web.Features.Audit;
using Evaluation.Web.Features.Voting;
using Json.Schema;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Evaluation.Tests.Features;

/// <summary>
/// The two documents for third parties (README "For third parties / 对接"): the voting API's OpenAPI description and the
/// audit bundle's JSON Schema, held against what the app really does. One real meeting, voted over HTTP through a recorder
/// that keeps every answer of the voting API (successes and refusals), then closed and audited: each recorded answer must
/// be one the description declares and match its schema, and the real bundle must match the schema.
/// </summary>
public sealed class ThirdPartyDocumentsTests : OrganizerSession
{
    private readonly List<Recorded> _answers = [];
    private string _document = null!;
    private byte[] _bundle = null!;

    private sealed record Recorded(string Path, HttpStatusCode Status, string Body, string? RetryAfter);

    /// <summary>Keeps every answer of the voting API as the client saw it.</summary>
    private sealed class Recorder(List<Recorded> answers) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var response = await base.SendAsync(request, ct);
            if (request.RequestUri!.AbsolutePath.StartsWith("/api/", StringComparison.Ordinal))
            {
                await response.Content.LoadIntoBufferAsync(ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                lock (answers)
                    answers.Add(new Recorded(request.RequestUri.AbsolutePath, response.StatusCode, body, response.Headers.RetryAfter?.ToString()));
            }
            return response;
        }
    }

    private HttpClient Phone() => World.App.CreateDefaultClient(new Recorder(_answers));

    [OneTimeSetUp]
    public async Task VoteCloseAndDownload()
    {
        var evaluation = await World.SeedDraftAsync(World.UnitA, expectedCount: 12);
        Guid retired = Guid.NewGuid(), clients = Guid.NewGuid();
        await using (var conn = await World.OpenAsync())
            await conn.ExecuteAsync(
                """
                insert into respondent_category (id, evaluation_id, name, expected_count, position)
                values (@retired, @Id, '离退休老党员', 8, 2), (@clients, @Id, '服务对象代表', 3, 3)
                """, new { retired, clients, evaluation.Id });
        var unopened = (await IssueSlipsAsync(evaluation, 1))[0];
        using (var early = Phone())
            (await early.PostAsJsonAsync("/api/v/slip", new { token = unopened })).Dispose();
        // The box split into three 监票人's key cards, two of which open it after the vote.
        var cards = await SealedBallotBoxCardsTests.MakeCardsAsync(Organizer, evaluation.Id, ["王监票", "李监票", "赵监票"], threshold: 2);
        using (var open = await SealedBallotBoxCardsTests.OpenWithCardsAsync(Organizer, evaluation.Id, cards.Select(c => c.CheckCode).ToList()))
            Assert.That(open.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(open));

        // Staff and the merged small group (retired + clients, fewer than k clients) vote with opinions; one ballot is blank.
        VotingClient.Credential? last = null;
        string? usedToken = null;
        var voted = 0;
        foreach (var (category, voters) in new[] { (evaluation.CategoryId, 6), (retired, 4), (clients, 2) })
            foreach (var token in await IssueSlipsAsync(evaluation, voters, category))
            {
                using var phone = new VotingClient(Phone());
                var credential = await phone.CheckInAsync(token);
                var answers = voted == 0 ? new { } : evaluation.CompleteAnswers(voted % 2 == 0 ? "好" : "一般", "称职", $"第 {voted} 条意见：希望多听基层意见。");
                using var submitted = await phone.SubmitAsync(credential, answers);
                Assert.That(submitted.StatusCode, Is.EqualTo(HttpStatusCode.OK), await submitted.Content.ReadAsStringAsync());
                (last, usedToken) = (credential, token);
                voted++;
            }

        // Refusals, each really given: the framework's and the handlers'.
        var lost = (await IssueSlipsAsync(evaluation, 1))[0];
        using (var voided = await PostAsync($"{evaluation.Url}/slips/void", ("code", lost)))
            Assert.That(voided.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(voided));
        using (var phone = Phone())
        {
            (await phone.PostAsJsonAsync("/api/v/slip", new { token = lost })).Dispose(); // voided: 410
            (await phone.PostAsJsonAsync("/api/v/slip", new { token = "2222233333444445555X" })).Dispose(); // no such slip: 404
            (await phone.PostAsJsonAsync("/api/v/slip", new { token = "abc" })).Dispose(); // not a code: 400 from the handler
            (await phone.PostAsync("/api/v/slip", new StringContent("{\"token\":", Encoding.UTF8, "application/json"))).Dispose(); // 400 from the framework
            (await phone.PostAsync("/api/v/slip", new StringContent("{}", Encoding.UTF8, "text/plain"))).Dispose(); // 415
            (await phone.PostAsJsonAsync("/api/v/checkin", VotingClient.CheckInBody(usedToken!, new byte[256], new byte[256]))).Dispose(); // used: 409
            (await phone.PostAsync("/api/v/checkin", new ByteArrayContent(new byte[VotingEndpoints.MaxCheckInBodyBytes + 1])
                { Headers = { ContentType = new("application/json") } })).Dispose(); // 413
            (await phone.PostAsJsonAsync("/api/v/ballot", VotingClient.BallotBody(last!, VotingClient.Seal(last!, "{}")))).Dispose(); // another ballot: 409
            (await phone.PostAsJsonAsync("/api/v/ballot", VotingClient.BallotBody(VotingClient.WithForgedDoor(last!), [1, 2, 3]))).Dispose(); // 400
        }

        using (var close = await PostAsync($"{evaluation.Url}/close"))
            Assert.That(close.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(close));
        using (var phone = Phone())
            (await phone.PostAsJsonAsync("/api/v/slip", new { token = usedToken })).Dispose(); // closed: 409
        using (var unseal = await Organizer.PostFormAsync($"{evaluation.Url}/unseal", [new("cards", cards[2].Code), new("cards", cards[0].Code)]))
            Assert.That(unseal.StatusCode, Is.EqualTo(HttpStatusCode.Redirect), await StaffClient.BodyAsync(unseal));

        using var auditor = await World.SignInAsync("auditor-a");
        using var bundle = await auditor.GetAsync($"{evaluation.Url}/audit-bundle");
        Assert.That(bundle.StatusCode, Is.EqualTo(HttpStatusCode.OK), await StaffClient.BodyAsync(bundle));
        _bundle = await bundle.Content.ReadAsByteArrayAsync();

        using var anonymous = World.App.CreateClient();
        using var document = await anonymous.GetAsync(VotingApiDocument.Path);
        Assert.That(document.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        _document = await document.Content.ReadAsStringAsync();
    }

    // The OpenAPI description

    [Test]
    public async Task OpenApiDocument_IsServedAnonymouslyAsOpenApi31_AndReadsWithoutErrors()
    {
        using var anonymous = World.App.CreateClient();
        using var response = await anonymous.GetAsync(VotingApiDocument.Path);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/json"));
        Assert.That(response.Headers.CacheControl?.NoStore, Is.True);
        var read = OpenApiDocument.Parse(_document, "json");
        Assert.That(read.Diagnostic?.Errors, Is.Empty);
        Assert.That(read.Diagnostic?.SpecificationVersion, Is.EqualTo(OpenApiSpecVersion.OpenApi3_1));
        Assert.That(read.Document?.Info.Title, Does.Contain("投票"));
        Assert.That(read.Document?.Servers, Is.Null.Or.Empty, "a server list built from the request's Host header would only echo it");
    }

    [Test]
    public void OpenApiDocument_ListsEveryVotingRouteTheAppMaps_AndNoOtherRoute()
    {
        var endpoints = World.App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var api = endpoints
            .Where(e => e.RoutePattern.RawText?.TrimStart('/').StartsWith("api/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => $"{m.ToLowerInvariant()} /{e.RoutePattern.RawText!.TrimStart('/')}"))
            .Order().ToList();
        var documented = JsonNode.Parse(_document)!["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Select(operation => $"{operation.Key} {path.Key}"))
            .Order().ToList();

        Assert.That(api, Is.EqualTo(new[]
        {
            "get /api/o/{publicId}", "post /api/o/{publicId}/answers", "post /api/v/ballot", "post /api/v/checkin", "post /api/v/slip",
        }), "the API as the app maps it");
        // The open 征求意见箱's two calls serve its own page only, and README describes them; the document is the voting API's.
        Assert.That(documented, Is.EqualTo(api.Where(a => a.Contains(" /api/v/"))), "every voting endpoint documented, and nothing else");
        var staff = endpoints.Where(e => e.Metadata.GetMetadata<IAuthorizeData>() is not null && e.Metadata.GetMetadata<IAllowAnonymous>() is null)
            .Select(e => "/" + e.RoutePattern.RawText!.TrimStart('/')).ToList();
        Assert.That(staff, Has.Count.GreaterThan(20), "the staff routes this compares against");
        Assert.That(documented.Select(d => d.Split(' ')[1]), Has.None.AnyOf(staff));
    }

    /// <summary>Over every documented operation, which the test above ties to the app's routes: a new one without its description fails here.</summary>
    [Test]
    public void OpenApiDocument_DescribesEveryOperationInChinese_WithItsBodyAndEveryAnswer()
    {
        var paths = JsonNode.Parse(_document)!["paths"]!.AsObject();
        Assert.That(paths, Is.Not.Empty);
        foreach (var (path, item) in paths)
            foreach (var (method, operation) in item!.AsObject())
            {
                var where = $"{method} {path}";
                Assert.That(operation!["summary"]?.GetValue<string>(), Does.Match(@"\p{IsCJKUnifiedIdeographs}"), where);
                Assert.That(operation["description"]?.GetValue<string>(), Does.Match(@"\p{IsCJKUnifiedIdeographs}"), where);
                Assert.That(operation["requestBody"]?["content"]?.AsObject().Select(c => c.Key), Is.EqualTo(new[] { "application/json" }), where);
                Assert.That(operation["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]?.GetValue<string>(), Does.EndWith("Request"), where);
                var responses = operation["responses"]!.AsObject();
                Assert.That(responses.Select(r => r.Key), Is.SupersetOf(new[] { "200", "400", "404", "409", "413", "415", "500", "503" }), where);
                Assert.That(responses.Select(r => r.Value!["description"]?.GetValue<string>()), Has.All.Match(@"\p{IsCJKUnifiedIdeographs}"), where);
                Assert.That(responses.Select(r => r.Value!["content"]?["application/json"]?["schema"]?["$ref"]), Has.None.Null, where);
                Assert.That(responses["503"]!["headers"]?["Retry-After"], Is.Not.Null, where);
            }
        Assert.That(paths["/api/v/slip"]!["post"]!["responses"]!["429"]!["headers"]!["Retry-After"], Is.Not.Null);
        Assert.That(paths["/api/v/checkin"]!["post"]!["responses"]!["429"]!["headers"]!["Retry-After"], Is.Not.Null);
        var codes = JsonNode.Parse(_document)!["components"]!["schemas"]!["VotingError"]!["properties"]!["code"]!["enum"]!.AsArray()
            .Select(c => c?.GetValue<string>()).ToList();
        Assert.That(codes, Is.EquivalentTo(new[] { VotingProblem.Retry, VotingProblem.Used, VotingProblem.Closed, VotingProblem.NotOpen, VotingProblem.TooMany, "too-large", null }));
    }

    [Test]
    public void OpenApiDocument_HoldsNothingSecret()
    {
        Assert.That(_document, Does.Not.Contain(AppFactory.KeyEncryptionKey));
        Assert.That(_document, Does.Not.Contain(World.ConnectionString));
        Assert.That(_document, Does.Not.Contain("localhost"), "no server address");
        Assert.That(JsonNode.Parse(_document)!["paths"]!.AsObject().Select(p => p.Key), Has.None.Contains("evaluations"));
    }

    [Test]
    public void EveryRealAnswerOfTheVotingApi_IsDeclaredInTheDocument_AndMatchesItsSchema()
    {
        var document = JsonNode.Parse(_document)!;
        var schemas = document["components"]!["schemas"]!.ToJsonString().Replace("#/components/schemas/", "#/$defs/");
        var seen = new HashSet<string>();
        foreach (var answer in _answers)
        {
            var status = ((int)answer.Status).ToString();
            var declared = document["paths"]![answer.Path]?["post"]?["responses"]?[status];
            Assert.That(declared, Is.Not.Null, $"{answer.Path} answered {status}, which the document does not declare: {answer.Body}");
            var reference = declared!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>();
            var name = reference[(reference.LastIndexOf('/') + 1)..];
            var schema = JsonSchema.FromText($$"""{"$schema":"https://json-schema.org/draft/2020-12/schema","$defs":{{schemas}},"$ref":"#/$defs/{{name}}"}""",
                new BuildOptions { SchemaRegistry = new SchemaRegistry() }, new Uri($"urn:voting-api:{Guid.NewGuid()}"));
            var result = schema.Evaluate(JsonDocument.Parse(answer.Body).RootElement, Strict);
            Assert.That(result.IsValid, Is.True, $"{answer.Path} {status} {answer.Body}\n{Errors(result)}");
            if (declared["headers"]?["Retry-After"] is not null) Assert.That(answer.RetryAfter, Does.Match("^[0-9]+$"), $"{answer.Path} {status}");
            seen.Add($"{answer.Path} {status}");
        }
        Assert.That(seen, Is.SupersetOf(new[]
        {
            "/api/v/slip 200", "/api/v/checkin 200", "/api/v/ballot 200", "/api/v/slip 404", "/api/v/slip 400", "/api/v/slip 415",
            "/api/v/slip 409", "/api/v/slip 410", "/api/v/checkin 409", "/api/v/checkin 413", "/api/v/ballot 409", "/api/v/ballot 400",
        }), "the round trip and its refusals were really recorded");
    }

    // The audit bundle's JSON Schema

    private static readonly EvaluationOptions Strict = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    private static string SchemaFile() => File.ReadAllText(Path.Combine(Repository.Root, "docs", "audit-bundle.schema.json"));

    private static JsonSchema BundleSchema() =>
        JsonSchema.FromText(SchemaFile(), new BuildOptions { SchemaRegistry = new SchemaRegistry() }, new Uri($"urn:audit-bundle:{Guid.NewGuid()}"));

    private static string Errors(EvaluationResults result) =>
        string.Join("\n", result.Details?.Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}")) ?? []);

    private static EvaluationResults Validate(JsonNode bundle) => BundleSchema().Evaluate(JsonDocument.Parse(bundle.ToJsonString()).RootElement, Strict);

    private JsonNode Bundle() => JsonNode.Parse(_bundle)!;

    [Test]
    public void AuditBundleSchema_IsAValidDraft202012Schema_WithAChineseDescriptionOnEveryField()
    {
        var schema = JsonNode.Parse(SchemaFile())!;
        var meta = MetaSchemas.Draft202012.Evaluate(JsonDocument.Parse(SchemaFile()).RootElement, Strict);

        Assert.That(meta.IsValid, Is.True, Errors(meta));
        Assert.That(schema["$schema"]!.GetValue<string>(), Is.EqualTo("https://json-schema.org/draft/2020-12/schema"));
        var undescribed = Properties(schema, "").Where(p => p.Schema["description"] is null && p.Schema["$ref"] is null).Select(p => p.Path).ToList();
        Assert.That(undescribed, Is.Empty);
    }

    private static IEnumerable<(string Path, JsonNode Schema)> Properties(JsonNode node, string path)
    {
        if (node is JsonObject o)
            foreach (var (key, value) in o)
            {
                if (key == "properties" && value is JsonObject properties)
                    foreach (var (name, property) in properties)
                        if (property is JsonObject p && (p.ContainsKey("type") || p.ContainsKey("enum") || p.ContainsKey("pattern") || p.ContainsKey("$ref")))
                            yield return ($"{path}/{name}", p);
                if (value is not null)
                    foreach (var inner in Properties(value, $"{path}/{key}"))
                        yield return inner;
            }
        else if (node is JsonArray a)
            foreach (var item in a.Where(i => i is not null))
                foreach (var inner in Properties(item!, path))
                    yield return inner;
    }

    [Test]
    public void RealBundleOfAClosedSealedBoxEvaluation_WithOpinionsAndAMergedGroup_MatchesTheSchema()
    {
        var bundle = Bundle();
        var result = Validate(bundle);

        Assert.That(result.IsValid, Is.True, Errors(result));
        Assert.That(bundle["format"]!.GetValue<string>(), Is.EqualTo("minzhu-pingyi/audit-bundle/2"));
        Assert.That(bundle["groups"]!.AsArray().Select(g => g!["categories"]!.AsArray().Count), Is.EqualTo(new[] { 1, 2 }), "the small categories share a key group");
        Assert.That(bundle["groups"]!.AsArray().Sum(g => g!["ballots"]!.AsArray().Count), Is.EqualTo(12));
        Assert.That(bundle["groups"]![0]!["ballots"]!.AsArray().Select(b => b!["answers"]!.GetValue<string>()), Has.Some.Contains("campaign-opinion"));
        Assert.That(bundle["box"]!["custody"]!.GetValue<string>(), Is.EqualTo("cards"));
        Assert.That(bundle["box"]!["cards"]!.AsArray().Select(c => c!["holder"]!.GetValue<string>()), Is.EqualTo(new[] { "王监票", "李监票", "赵监票" }));
    }

    /// <summary>
    /// Format 1 (evaluations voted before the sealed box) as the server still builds it for them: the schema's other branch.
    /// Built in process by the core, since a new evaluation can no longer be voted that way.
    /// </summary>
    [Test]
    public void Format1Bundle_AsTheCoreBuildsItForEvaluationsBeforeTheSealedBox_MatchesTheSchema_ButNotWithAFormat2Field()
    {
        var form = new FrozenForm(FormTemplates.MobilisationEvaluation.Questionnaire,
            [new Target { Id = Guid.NewGuid(), Kind = TargetKind.Team, Name = "领导班子", Position = 1 }]);
        var frozen = FormJson.FrozenForm(form.Questionnaire, form.Targets);
        var categories = new[] { ("机关工作人员", 7), ("服务对象代表", 2) }.Select(c =>
            (Key: BlindRsaPrivateKey.Generate(), Counts: new TallyCategory(Guid.NewGuid(), c.Item1, c.Item2 + 1, c.Item2 + 1, 0, c.Item2))).ToList();
        var ballots = categories.SelectMany(c => Enumerable.Range(0, c.Counts.CheckedIn).Select(_ =>
        {
            var message = BlindRsa.Prepare(RandomNumberGenerator.GetBytes(32));
            var blinding = BlindRsa.Blind(c.Key.PublicKey, message);
            var signature = BlindRsa.Finalize(c.Key.PublicKey, message, BlindRsa.BlindSign(c.Key, blinding.BlindedMessage), blinding.Inverse);
            return new TallyBallot(c.Counts.Id, message, signature, "{}");
        })).ToList();
        var tally = Tally.Count(form, categories.Select(c => c.Counts).ToList(), ballots, TallySettings.Default);
        var id = Guid.NewGuid();
        var built = AuditBundleBuilder.Build(new BundleEvaluation(id, "甲单位", "旧评议", "动员大会后", DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow),
            frozen, FormJson.Sha256Hex(frozen), TallySettings.Default,
            categories.Select(c => new BundleCategory(c.Counts, c.Key.PublicKey.ExportSpki())).ToList(), ballots, tally,
            TestLog.Chain(("开始投票", BundleVerifier.OpenDetail("旧评议", id, FormJson.Sha256Hex(frozen), categories.Select(c => c.Key.PublicKey.ExportSpki())))));
        var file = new MemoryStream();
        built.WriteTo(file);
        var bundle = JsonNode.Parse(file.ToArray())!;

        var result = Validate(bundle);
        Assert.That(result.IsValid, Is.True, Errors(result));
        Assert.That(bundle["format"]!.GetValue<string>(), Is.EqualTo("minzhu-pingyi/audit-bundle/1"));
        Assert.That(bundle["groups"]!.AsArray(), Has.Count.EqualTo(1), "the category under k is merged");
        bundle["groups"]![0]!["ballotKey"] = bundle["groups"]![0]!["publicKeys"]![0]!.GetValue<string>();
        Assert.That(Validate(bundle).IsValid, Is.False, "a format 2 field in a format 1 bundle");
    }

    [Test]
    public void Format2Bundle_WithAFormat1Field_DoesNotMatchTheSchema()
    {
        var bundle = Bundle();
        bundle["groups"]![0]!["publicKeys"] = new JsonArray(bundle["groups"]![0]!["ballotKey"]!.GetValue<string>());

        Assert.That(Validate(bundle).IsValid, Is.False);
    }

    private static readonly string[] Removals =
    [
        "formHash", "evaluation.id", "settings.smallCell", "groups.0.ballotKey", "groups.0.ballots.0.answerSignature", "groups.1.checkedIn",
        "box", "box.cards", "rejected", "actionLog.0.prevHash", "tally.0.value",
    ];

    [TestCaseSource(nameof(Removals))]
    public void BundleWithAFieldRemoved_DoesNotMatchTheSchema(string field)
    {
        var bundle = Bundle();
        var (parent, name) = Locate(bundle, field);
        Assert.That(parent.AsObject().Remove(name), Is.True, $"the honest bundle has {field}");

        Assert.That(Validate(bundle).IsValid, Is.False);
    }

    private static readonly string[] Additions = ["", "evaluation", "settings", "groups.0", "groups.0.ballots.0", "box", "box.cards.0", "rejected", "actionLog.0", "tally.0"];

    [TestCaseSource(nameof(Additions))]
    public void BundleWithAnUnknownFieldAdded_DoesNotMatchTheSchema(string where)
    {
        var bundle = Bundle();
        var target = where == "" ? bundle : Locate(bundle, where + ".x").Parent;
        target.AsObject()["receipt"] = "ABCDE-FGHJK";

        Assert.That(Validate(bundle).IsValid, Is.False);
    }

    [TestCase("formHash", "not a hash")]
    [TestCase("evaluation.id", "not-a-uuid")]
    [TestCase("evaluation.openedAt", "yesterday")]
    [TestCase("groups.0.doorKey", "not base64!")]
    [TestCase("groups.0.ballots.0.phoneKey", "04abc")]
    [TestCase("actionLog.0.hash", "ABCDEF")]
    public void BundleWithAMalformedValue_DoesNotMatchTheSchema(string field, string value)
    {
        var bundle = Bundle();
        var (parent, name) = Locate(bundle, field);
        parent[name] = value;

        Assert.That(Validate(bundle).IsValid, Is.False);
    }

    private static (JsonNode Parent, string Name) Locate(JsonNode root, string path)
    {
        var steps = path.Split('.');
        var node = root;
        foreach (var step in steps[..^1])
            node = int.TryParse(step, out var i) ? node[i]! : node[step]!;
        return (node, steps[^1]);
    }

    [Test]
    public async Task ServedSchema_IsTheFileInDocs_ByteForByte()
    {
        using var anonymous = World.App.CreateClient();
        using var response = await anonymous.GetAsync(AuditBundleSchema.Path);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/schema+json"));
        Assert.That(await response.Content.ReadAsByteArrayAsync(), Is.EqualTo(File.ReadAllBytes(Path.Combine(Repository.Root, "docs", "audit-bundle.schema.json"))));
    }
}
