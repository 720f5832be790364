using System.Text;
using IngestHub.Protocol.Messages;
using Xunit;

namespace IngestHub.Protocol.Tests.Messages;

/// <summary>CreateAcls, DescribeAcls and DeleteAcls bodies assembled by hand from the protocol specification
/// (v1: classic encodings with the pattern type; v2: compact encodings and tagged fields), compared byte for byte.</summary>
public sealed class AclGoldenBytesTests
{
    private static CreateAclsRequest OneCreation() => new()
    {
        Creations = [new CreateAclsRequest.Creation { ResourceType = 2, ResourceName = "t", ResourcePatternType = 4, Principal = "User:a", Host = "*", Operation = 3, PermissionType = 3 }],
    };

    [Fact]
    public void CreateAcls_v0_v1_and_v2_requests_match_the_specified_layout()
    {
        byte[] v0 = Concat([0, 0, 0, 1], [2], [0, 1], Ascii("t"), [0, 6], Ascii("User:a"), [0, 1], Ascii("*"), [3], [3]);
        byte[] v1 = Concat([0, 0, 0, 1], [2], [0, 1], Ascii("t"), [4], [0, 6], Ascii("User:a"), [0, 1], Ascii("*"), [3], [3]);
        byte[] v2 = Concat([0x02], [2], [0x02], Ascii("t"), [4], [0x07], Ascii("User:a"), [0x02], Ascii("*"), [3], [3], [0x00], [0x00]);
        Assert.Equal(v0, MessageCodec.Encode(OneCreation(), 0));
        Assert.Equal(v1, MessageCodec.Encode(OneCreation(), 1));
        Assert.Equal(v2, MessageCodec.Encode(OneCreation(), 2));
        var decoded = MessageCodec.Decode<CreateAclsRequest>(v2, 2).Creations.Single();
        Assert.Equal(("t", (sbyte)4, "User:a", "*"), (decoded.ResourceName, decoded.ResourcePatternType, decoded.Principal, decoded.Host));
        // v0 has no pattern type: it is LITERAL (3).
        Assert.Equal(3, MessageCodec.Decode<CreateAclsRequest>(v0, 0).Creations.Single().ResourcePatternType);
    }

    [Fact]
    public void DescribeAcls_v1_request_and_response_match_the_specified_layout()
    {
        var request = new DescribeAclsRequest { ResourceTypeFilter = 1, ResourceNameFilter = null, PatternTypeFilter = 2, PrincipalFilter = "User:a", HostFilter = null, Operation = 1, PermissionType = 1 };
        byte[] requestBytes = Concat([1], [0xFF, 0xFF], [2], [0, 6], Ascii("User:a"), [0xFF, 0xFF], [1], [1]);
        Assert.Equal(requestBytes, MessageCodec.Encode(request, 1));

        byte[] body = Concat([0, 0, 0, 0], [0, 0], [0xFF, 0xFF], [0, 0, 0, 1], [2], [0, 1], Ascii("t"), [3], [0, 0, 0, 1], [0, 6], Ascii("User:a"), [0, 1], Ascii("*"), [4], [2]);
        var response = new DescribeAclsResponse();
        response.Resources.Add(new DescribeAclsResponse.Resource
        {
            ResourceType = 2, ResourceName = "t", PatternType = 3,
            Acls = [new DescribeAclsResponse.Acl { Principal = "User:a", Host = "*", Operation = 4, PermissionType = 2 }],
        });
        Assert.Equal(body, MessageCodec.Encode(response, 1));
        Assert.Equal("User:a", MessageCodec.Decode<DescribeAclsResponse>(body, 1).Resources.Single().Acls.Single().Principal);
    }

    [Fact]
    public void DeleteAcls_v2_response_matches_the_specified_layout()
    {
        byte[] body = Concat([0, 0, 0, 0], [0x02], [0, 0], [0x00], // throttle, one filter result: no error, null message
            [0x02], [0, 0], [0x00], [2], [0x02], Ascii("t"), [3], [0x07], Ascii("User:a"), [0x02], Ascii("*"), [3], [3], [0x00], // one matching ACL
            [0x00], [0x00]);
        var response = new DeleteAclsResponse();
        response.FilterResults.Add(new DeleteAclsResponse.FilterResult
        {
            MatchingAcls = [new DeleteAclsResponse.MatchingAcl { ResourceType = 2, ResourceName = "t", PatternType = 3, Principal = "User:a", Host = "*", Operation = 3, PermissionType = 3 }],
        });
        Assert.Equal(body, MessageCodec.Encode(response, 2));
        Assert.Equal("t", MessageCodec.Decode<DeleteAclsResponse>(body, 2).FilterResults.Single().MatchingAcls.Single().ResourceName);
    }

    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
}
