using System.Text;
using Xunit;

namespace IngestHub.Connectors.Elasticsearch.Tests;

public sealed class BulkResponseTests
{
    [Fact]
    public void Errors_false_means_every_item_stored()
    {
        var outcomes = new BulkItemOutcome[3];
        Assert.True(BulkResponse.TryParse("""{"took":3,"errors":false,"items":[{"index":{"status":201}},{"index":{"status":200}},{"index":{"status":201}}]}"""u8, outcomes));
        Assert.All(outcomes, o => Assert.True(o.Stored));
    }

    [Fact]
    public void Item_errors_carry_status_type_and_reason()
    {
        string json = """
            {"took":3,"errors":true,"items":[
              {"create":{"_index":"a","_id":"1","status":201,"result":"created"}},
              {"create":{"_index":"a","_id":"2","status":409,"error":{"type":"version_conflict_engine_exception","reason":"exists","index_uuid":"x"}}},
              {"index":{"_index":"a","status":429,"error":{"type":"es_rejected_execution_exception","reason":"queue full","caused_by":{"type":"x","reason":"y"}}}},
              {"index":{"_index":"a","status":400,"error":{"root_cause":[{"type":"r","reason":"r"}],"type":"document_parsing_exception","reason":"failed to parse field [status]"}}}
            ]}
            """;
        var outcomes = new BulkItemOutcome[4];
        Assert.True(BulkResponse.TryParse(Encoding.UTF8.GetBytes(json), outcomes));
        Assert.True(outcomes[0].Stored);
        Assert.Equal(new BulkItemOutcome(409, "version_conflict_engine_exception", "exists"), outcomes[1]);
        Assert.True(outcomes[2].Retryable);
        Assert.Equal(new BulkItemOutcome(400, "document_parsing_exception", "failed to parse field [status]"), outcomes[3]);
        Assert.False(outcomes[3].Retryable);
    }

    [Theory]
    [InlineData("""{"took":1,"errors":true,"items":[{"index":{"status":201}}]}""")]
    [InlineData("""{"error":{"type":"x"},"status":400}""")]
    [InlineData("""not json""")]
    public void Wrong_item_count_or_shape_is_not_understood(string json) =>
        Assert.False(BulkResponse.TryParse(Encoding.UTF8.GetBytes(json), new BulkItemOutcome[2]));
}
