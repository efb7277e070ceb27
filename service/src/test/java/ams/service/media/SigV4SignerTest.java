package ams.service.media;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The signer against AWS's published Signature Version 4 test suite, so it is right against real S3
 * and not only consistent with the fake S3 server of the tests.
 */
class SigV4SignerTest {

    private static final SigV4Signer EXAMPLE =
            new SigV4Signer(
                    "AKIDEXAMPLE",
                    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                    "us-east-1",
                    "service");

    private static final Map<String, String> HEADERS =
            Map.of("Host", "example.amazonaws.com", "X-Amz-Date", "20150830T123600Z");

    /** The suite's "get-vanilla": GET / with Host and X-Amz-Date, no body. */
    @Test
    void getVanillaMatchesAwsPublishedSignature() {
        assertEquals(
                "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
                        + "host;x-amz-date\n"
                        + SigV4Signer.EMPTY_SHA256,
                SigV4Signer.canonicalRequest(
                        "GET",
                        "/",
                        "",
                        SigV4Signer.canonicalHeaders(HEADERS),
                        SigV4Signer.EMPTY_SHA256));
        assertEquals(
                "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
                SigV4Signer.sha256Hex(
                        SigV4Signer.canonicalRequest(
                                "GET",
                                "/",
                                "",
                                SigV4Signer.canonicalHeaders(HEADERS),
                                SigV4Signer.EMPTY_SHA256)));
        assertEquals(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request,"
                        + " SignedHeaders=host;x-amz-date,"
                        + " Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
                EXAMPLE.authorization("GET", "/", "", HEADERS, SigV4Signer.EMPTY_SHA256));
    }

    /** The suite's "get-vanilla-query-order-key-case": the query signed sorted. */
    @Test
    void getVanillaQueryOrderMatchesAwsPublishedSignature() {
        String authorization =
                EXAMPLE.authorization(
                        "GET",
                        "/",
                        "Param1=value1&Param2=value2",
                        HEADERS,
                        SigV4Signer.EMPTY_SHA256);
        assertEquals(
                "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
                authorization.substring(authorization.indexOf("Signature=") + 10));
    }

    @Test
    void amzDateIsBasicIsoInUtc() {
        assertEquals(
                "20150830T123600Z", SigV4Signer.amzDate(Instant.parse("2015-08-30T12:36:00Z")));
    }

    @Test
    void pathSegmentsKeepUnreservedCharactersAndEncodeTheRest() {
        assertEquals("ams-media_1.~x", SigV4Signer.encodeSegment("ams-media_1.~x"));
        assertEquals("a%20b%2Bc%3D%C3%A9", SigV4Signer.encodeSegment("a b+c=é"));
    }
}
