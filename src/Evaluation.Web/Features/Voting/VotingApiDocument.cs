using System.Text.Json.Nodes;
using Evaluation.Core.Slips;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Evaluation.Web.Features.Voting;

/// <summary>
/// The voting API described for those who write a client of their own (OpenAPI 3.1 at <see cref="Path"/>): the three
/// anonymous endpoints of <see cref="VotingEndpoints"/>, with every answer they give and the error codes of
/// <see cref="VotingProblem"/>. Nothing else of the app is in it: the staff pages are not an API. The cryptography a
/// client must do between the calls is docs/sealed-ballot-box.md; this says where.
/// </summary>
public static class VotingApiDocument
{
    public const string Path = "/openapi/v1.json";
    private const string Name = "v1";

    /// <summary>
    /// Every code a refusal may carry: <see cref="VotingProblem"/>'s, and too-large from the body limit (RequestLimits), which
    /// answers before any endpoint runs. The framework's own refusals (bad JSON, wrong content type) carry none.
    /// </summary>
    public static readonly string[] ErrorCodes = [VotingProblem.Retry, VotingProblem.Used, VotingProblem.Closed, VotingProblem.NotOpen, VotingProblem.TooMany, "too-large"];

    private const string Base64 = "^[A-Za-z0-9+/]*={0,2}$";
    private static readonly string Symbols = $"[{SlipToken.Alphabet}]";

    public static IServiceCollection AddVotingApiDocument(this IServiceCollection services) =>
        services.AddOpenApi(Name, options =>
        {
            options.ShouldInclude = api => api.RelativePath?.StartsWith("api/v/", StringComparison.Ordinal) == true;
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "民主评议投票接口 (voting API)",
                    Version = "1",
                    Description =
                        """
                        与会者手机投票页所用的匿名接口，供第三方编写自己的投票客户端。三步：`/api/v/slip` 读取票签对应的评议、问卷和公钥；
                        `/api/v/checkin` 用票签签到，取回两个盲签名（签到后票签即作废）；之后另起连接 `/api/v/ballot` 提交密封答卷，取回回执码。
                        两次请求之间客户端要做的密码运算（RFC 9474 盲签名、ECDSA 答卷签名、HPKE 密封）见代码仓库的 docs/sealed-ballot-box.md。

                        规则：请求体只接受 `Content-Type: application/json`（可带 `charset=utf-8`），其他一律 415；不需要登录，不用 Cookie；
                        票签代码只放在请求体里，绝不放进网址；所有回答带 `Cache-Control: no-store`。每个拒绝都是 `VotingError`：
                        `error` 是可直接显示给投票人的中文句子，`code` 是客户端据以行动的代码（见该模式的说明）。
                        503 总带 `Retry-After`（秒），code 为 `retry`：原样重发即可，不会重复计票。

                        The anonymous API of the phone voting page. Byte strings are base64; ids are lowercase UUIDs. The protocol
                        between the calls is docs/sealed-ballot-box.md in the repository.
                        """,
                };
                // The client talks to the host it fetched this from; a server list built from the request's Host header says nothing more.
                document.Servers = [];
                return Task.CompletedTask;
            });
            options.AddSchemaTransformer((schema, context, _) =>
            {
                if (Schemas.TryGetValue(context.JsonTypeInfo.Type, out var describe)) describe(schema);
                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                foreach (var answer in context.Description.ActionDescriptor.EndpointMetadata.OfType<Answer>())
                {
                    if (operation.Responses?.TryGetValue(answer.Status.ToString(), out var found) != true || found is not OpenApiResponse response) continue;
                    response.Description = answer.Description;
                    if (answer.RetryAfter)
                        (response.Headers ??= new Dictionary<string, IOpenApiHeader>())["Retry-After"] = new OpenApiHeader
                        {
                            Description = "几秒后再试 (seconds to wait before sending the same request again)",
                            Required = true,
                            Schema = new OpenApiSchema { Type = JsonSchemaType.String, Pattern = "^[0-9]+$" },
                        };
                }
                return Task.CompletedTask;
            });
        });

    /// <summary>Anonymous, and no-store like the API it describes; it holds nothing secret, and building it reads no database.</summary>
    public static void MapVotingApiDocument(this IEndpointRouteBuilder app) =>
        app.MapOpenApi(Path).AllowAnonymous().AddEndpointFilter(async (context, next) =>
        {
            context.HttpContext.Response.Headers.CacheControl = "no-store";
            return await next(context);
        });

    /// <summary>One answer an endpoint really gives, with what it means to the client.</summary>
    private sealed record Answer(int Status, string Description, bool RetryAfter);

    private static RouteHandlerBuilder Answers<T>(this RouteHandlerBuilder endpoint, int status, string description, bool retryAfter = false) =>
        endpoint.Produces<T>(status, "application/json").WithMetadata(new Answer(status, description, retryAfter));

    private static RouteHandlerBuilder Refuses(this RouteHandlerBuilder endpoint, int status, string description, bool retryAfter = false) =>
        endpoint.Answers<VotingError>(status, description, retryAfter);

    /// <summary>The refusals every voting endpoint can give, whatever its handler does.</summary>
    private static RouteHandlerBuilder CommonRefusals(this RouteHandlerBuilder endpoint, long maxBodyBytes, string badRequest, string unavailable) =>
        endpoint
            .Refuses(StatusCodes.Status400BadRequest, badRequest + "请求体不是这个形状的 JSON 时，框架也回答 400（只有 `error`，没有 `code`）。")
            .Refuses(StatusCodes.Status413PayloadTooLarge, $"请求体超过 {maxBodyBytes >> 10} KB，没有处理。code：`too-large`。")
            .Refuses(StatusCodes.Status415UnsupportedMediaType, "Content-Type 不是 `application/json`（可带 `charset=utf-8`）。只有 `error`。")
            .Refuses(StatusCodes.Status503ServiceUnavailable, unavailable + "code：`retry`；等 `Retry-After` 秒后原样重发。", retryAfter: true)
            .Refuses(StatusCodes.Status500InternalServerError, "服务器内部错误（不应发生）。只有 `error`。");

    public static RouteHandlerBuilder DocumentSlip(this RouteHandlerBuilder endpoint) => endpoint
        .WithTags("投票")
        .WithSummary("读取票签：评议、问卷和公钥 (describe a slip)")
        .WithDescription(
            """
            用票签代码查到它所属的评议、评议人员类别、密钥组（签到用的两把 RSA 公钥）、投票箱公钥和冻结的问卷。不消耗票签，可以反复调用；
            `checkedIn` 为 true 表示这张票签已经签到过。票签代码不区分大小写，空格和短横线可有可无。
            Describes the slip without using it up.
            """)
        .Accepts<SlipRequest>("application/json")
        .Answers<SlipDescription>(StatusCodes.Status200OK, "票签可用：评议、问卷和公钥。")
        .Refuses(StatusCodes.Status404NotFound, "没有这个票签代码。")
        .Refuses(StatusCodes.Status409Conflict, "投票还没有开始（code `not-open`），或已经结束（code `closed`）。")
        .Refuses(StatusCodes.Status410Gone, "这张票签已作废，请领取新的票签。")
        .Refuses(StatusCodes.Status429TooManyRequests, "从同一地址输错票签代码太多次（code `too-many`）：等 `Retry-After` 秒后再试。", retryAfter: true)
        .CommonRefusals(VotingEndpoints.MaxCheckInBodyBytes, "票签代码不是 20 位字母和数字。", "数据库暂时不可用。");

    public static RouteHandlerBuilder DocumentCheckIn(this RouteHandlerBuilder endpoint) => endpoint
        .WithTags("投票")
        .WithSummary("签到：用票签换两个盲签名 (check in)")
        .WithDescription(
            """
            发送票签代码和两条盲化消息（签到凭证 D 在 doorKey 下盲化，选票凭证 M 在 ballotKey 下盲化，各为一个模长），服务器作废票签并返回两个盲签名。
            同一票签用同样的两条盲化消息重试，得到同样的签名（连接断了不会把人锁在外面）；用不同的消息再签到得 409 `used`。
            回答带 `Connection: close`：提交答卷必须另起连接，以免签到和答卷被同一条连接关联起来。
            Burns the slip and returns the two blind signatures; a retry with the same blinded messages gets the same answer.
            """)
        .Accepts<CheckInRequest>("application/json")
        .Answers<CheckInResponse>(StatusCodes.Status200OK, "两个盲签名；票签已作废。")
        .Refuses(StatusCodes.Status404NotFound, "没有这个票签代码。")
        .Refuses(StatusCodes.Status409Conflict, "票签已用其他消息签到过（code `used`），投票还没有开始（`not-open`）或已经结束（`closed`）。")
        .Refuses(StatusCodes.Status410Gone, "这张票签已作废，请领取新的票签。")
        .Refuses(StatusCodes.Status429TooManyRequests, "从同一地址输错票签代码太多次（code `too-many`）：等 `Retry-After` 秒后再试。", retryAfter: true)
        .CommonRefusals(VotingEndpoints.MaxCheckInBodyBytes,
            "票签代码格式不对，或盲化消息不是 base64、长度或数值不对；票签没有作废，可以改正后重试。", "数据库暂时不可用；票签是否已作废要看重试的结果（同样的消息重试会得到同样的签名）。");

    public static RouteHandlerBuilder DocumentBallot(this RouteHandlerBuilder endpoint) => endpoint
        .WithTags("投票")
        .WithSummary("提交密封答卷，取回回执码 (submit a sealed ballot)")
        .WithDescription(
            """
            另起一条连接发送：签到凭证 D 和它的签名 σD、生成 D 的秘密 s、以及加密给投票箱公钥的密封答卷 C（HPKE）。不含票签代码。
            服务器验证凭证，答卷写入投票箱并提交后才回答；回执码由 s 导出，客户端可以自己算出并核对。
            同一 D 同一 C 重发：200，同一回执码，不会重复计票；同一 D 换了 C：409 `used`。
            Answered once the ballot's batch has committed; resending the very same body is always safe.
            """)
        .Accepts<BallotRequest>("application/json")
        .Answers<BallotResponse>(StatusCodes.Status200OK, "答卷已保存，回执码可在 /receipt 页面核对是否计入。")
        .Refuses(StatusCodes.Status404NotFound, "没有这次评议或这个密钥组。")
        .Refuses(StatusCodes.Status409Conflict, "投票已经结束（code `closed`），或这个凭证已经提交过不同的答卷（code `used`）。")
        .CommonRefusals(VotingEndpoints.MaxBallotBodyBytes,
            "字段缺失或不是 base64，秘密与凭证不符，或签到凭证的签名无效；什么也没有保存。", "答卷还没有保存。");

    /// <summary>What each contract record and field means to a client, and what it must look like; by type, as the generator meets them.</summary>
    private static readonly Dictionary<Type, Action<OpenApiSchema>> Schemas = new()
    {
        [typeof(SlipRequest)] = s => Describe(s, request: true, "读取票签的请求。",
            ("token", $"票签代码：20 位，字母表 {SlipToken.Alphabet}，不区分大小写，可带空格或短横线。", null)),
        [typeof(CheckInRequest)] = s => Describe(s, request: true, "签到请求。",
            ("token", "票签代码，同上。", null),
            ("blindedDoor", "签到凭证 D = prefix ‖ SHA-256(\"door:\" ‖ s) 在 doorKey 下的盲化结果（RFC 9474），base64，恰为一个模长。", Base64),
            ("blindedBallot", "选票凭证 M = prefix ‖ SHA-256(\"ballot-key:\" ‖ 手机公钥) 在 ballotKey 下的盲化结果，base64，恰为一个模长。", Base64)),
        [typeof(BallotRequest)] = s => Describe(s, request: true, "提交答卷的请求（不含票签代码）。",
            ("evaluationId", "评议编号（读取票签时的 evaluation.id）。", null),
            ("keyGroupId", "密钥组编号（keyGroup.id）。", null),
            ("doorMessage", "签到凭证 D（64 字节），base64。", Base64),
            ("doorSignature", "D 的签名 σD（由签到返回的 doorSignature 去盲化得到），base64。", Base64),
            ("secret", "生成 D 的 32 字节秘密 s，base64；服务器由它导出回执码，不保存它。", Base64),
            ("sealed", "密封答卷 C = enc ‖ ct（HPKE，见 docs/sealed-ballot-box.md 第 5 步），base64。", Base64)),
        [typeof(SlipDescription)] = s => Describe(s, "票签所属的评议，以及手机盲化和密封所需的一切。",
            ("boxKey", "投票箱公钥：65 字节未压缩 P-256 点，base64；答卷用 HPKE 加密给它。", Base64),
            ("form", "冻结的问卷（题目和评议对象）JSON；评议范围受限的类别只看到它要评的对象。答卷须符合它。", null),
            ("checkedIn", "这张票签是否已经签到过。", null)),
        [typeof(SlipEvaluation)] = s => Describe(s, "评议。",
            ("id", "评议编号。", null), ("name", "评议名称。", null), ("unit", "单位。", null), ("round", "轮次。", null),
            ("rehearsal", "是否演练：为 true 时客户端应在每一屏标明“演练”，结果不作数。", null)),
        [typeof(SlipCategory)] = s => Describe(s, "评议人员类别。", ("id", "类别编号。", null), ("name", "类别名称。", null)),
        [typeof(SlipKeyGroup)] = s => Describe(s, "密钥组：同组的类别共用两把 RSA-2048 公钥（RSABSSA-SHA384-PSS-Randomized），答卷只证明组，不证明类别。",
            ("id", "密钥组编号，提交答卷时用。", null),
            ("doorKey", "签到凭证公钥，SubjectPublicKeyInfo DER，base64。", Base64),
            ("ballotKey", "选票凭证公钥，SubjectPublicKeyInfo DER，base64。", Base64)),
        [typeof(CheckInResponse)] = s => Describe(s, "两个盲签名，各为一个模长，base64；客户端去盲化并验证后使用。",
            ("doorSignature", "D 的盲签名。", Base64), ("ballotSignature", "M 的盲签名。", Base64)),
        [typeof(BallotResponse)] = s => Describe(s, "回执。",
            ("receipt", "回执码：10 位，分两组，形如 ABCDE-FGHJK；等于 SHA-256(\"receipt:\" ‖ s) 导出的十个符号，客户端应自行核对。",
                $"^{Symbols}{{5}}-{Symbols}{{5}}$")),
        [typeof(VotingError)] = s =>
        {
            Describe(s, "拒绝：error 原样显示给投票人；code 供客户端判断怎么做。",
                ("error", "给投票人看的中文句子，说明下一步怎么做。", null),
                ("code",
                    "`retry`：暂时失败，等 Retry-After 秒后原样重发；`used`：票签或凭证已经用过；`closed`：投票已结束；`not-open`：投票还没开始；" +
                    "`too-many`：输错太多，等 Retry-After 秒；`too-large`：请求体太大；null 或没有：其他错误，按 error 提示处理。", null));
            // The framework's own refusals (bad JSON, wrong content type, too large a body) have no code, or one of their own.
            s.Required = new HashSet<string> { "error" };
            if (s.Properties?["code"] is OpenApiSchema code) code.Enum = [.. ErrorCodes.Select(c => (JsonNode)JsonValue.Create(c)), null!];
        },
    };

    private static void Describe(OpenApiSchema schema, string description, params (string Name, string Text, string? Pattern)[] properties) =>
        Describe(schema, false, description, properties);

    /// <summary>
    /// Every field is required. A request's unknown fields are ignored by the server, so only answers are closed
    /// (additionalProperties: false): a client can rely on knowing every field it receives.
    /// </summary>
    private static void Describe(OpenApiSchema schema, bool request, string description, params (string Name, string Text, string? Pattern)[] properties)
    {
        schema.Description = description;
        schema.Required = new HashSet<string>(schema.Properties?.Keys ?? []);
        if (!request) schema.AdditionalPropertiesAllowed = false;
        foreach (var (name, text, pattern) in properties)
        {
            if (schema.Properties?.TryGetValue(name, out var found) != true || found is not OpenApiSchema property) continue;
            property.Description = text;
            if (pattern is not null) property.Pattern = pattern;
            // Requests: a missing or null field is refused (400), so the document asks for a value.
            if (request && property.Type is { } type && type.HasFlag(JsonSchemaType.Null)) property.Type = type & ~JsonSchemaType.Null;
        }
    }
}
