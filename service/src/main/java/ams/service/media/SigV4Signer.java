package ams.service.media;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * AWS Signature Version 4 for requests whose headers carry the signature ({@code Authorization}),
 * as S3 and every S3-compatible store (MinIO, Ceph, R2) check it. Written here rather than taken
 * from an SDK: the media store needs three verbs, and the signer is checked against AWS's published
 * test suite.
 */
public final class SigV4Signer {

    public static final String ALGORITHM = "AWS4-HMAC-SHA256";

    /** The SHA-256 of no bytes: the payload hash of a GET or HEAD. */
    public static final String EMPTY_SHA256 =
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private static final DateTimeFormatter AMZ_DATE =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    private final String accessKey;
    private final String secretKey;
    private final String region;
    private final String service;

    public SigV4Signer(String accessKey, String secretKey, String region, String service) {
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.region = region;
        this.service = service;
    }

    /** {@code X-Amz-Date} of an instant: {@code 20150830T123600Z}. */
    public static String amzDate(Instant at) {
        return AMZ_DATE.format(at);
    }

    /**
     * The {@code Authorization} header of a request.
     *
     * @param canonicalUri the path as sent, already URI-encoded (S3 does not encode it twice)
     * @param canonicalQuery the sorted, encoded query string, or empty
     * @param headers every header to sign, {@code host} and {@code x-amz-date} among them
     * @param payloadHash hex SHA-256 of the body (or {@code UNSIGNED-PAYLOAD})
     */
    public String authorization(
            String method,
            String canonicalUri,
            String canonicalQuery,
            Map<String, String> headers,
            String payloadHash) {
        SortedMap<String, String> signed = canonicalHeaders(headers);
        String amzDate = signed.get("x-amz-date");
        if (amzDate == null || amzDate.length() < 8) {
            throw new IllegalArgumentException("a SigV4 request needs an x-amz-date header");
        }
        String date = amzDate.substring(0, 8);
        String scope = date + "/" + region + "/" + service + "/aws4_request";
        String names = String.join(";", signed.keySet());
        String canonical =
                canonicalRequest(method, canonicalUri, canonicalQuery, signed, payloadHash);
        String toSign = ALGORITHM + "\n" + amzDate + "\n" + scope + "\n" + sha256Hex(canonical);
        String signature = HexFormat.of().formatHex(hmac(signingKey(date), toSign));
        return ALGORITHM
                + " Credential="
                + accessKey
                + "/"
                + scope
                + ", SignedHeaders="
                + names
                + ", Signature="
                + signature;
    }

    /** The canonical request of SigV4 (method, path, query, headers, their names, payload). */
    static String canonicalRequest(
            String method,
            String canonicalUri,
            String canonicalQuery,
            SortedMap<String, String> headers,
            String payloadHash) {
        StringBuilder out = new StringBuilder();
        out.append(method).append('\n').append(canonicalUri).append('\n');
        out.append(canonicalQuery).append('\n');
        headers.forEach((name, value) -> out.append(name).append(':').append(value).append('\n'));
        out.append('\n').append(String.join(";", headers.keySet())).append('\n');
        return out.append(payloadHash).toString();
    }

    /** Lower-case names, sorted; values trimmed with inner runs of spaces made one. */
    static SortedMap<String, String> canonicalHeaders(Map<String, String> headers) {
        SortedMap<String, String> out = new TreeMap<>();
        headers.forEach(
                (name, value) ->
                        out.put(
                                name.toLowerCase(Locale.ROOT),
                                value.strip().replaceAll(" +", " ")));
        return out;
    }

    private byte[] signingKey(String date) {
        byte[] key = hmac(("AWS4" + secretKey).getBytes(StandardCharsets.UTF_8), date);
        key = hmac(key, region);
        key = hmac(key, service);
        return hmac(key, "aws4_request");
    }

    /**
     * A path segment encoded as SigV4 wants it: unreserved characters ({@code A-Z a-z 0-9 - . _ ~})
     * as they are, every other byte of the UTF-8 as {@code %XY}.
     */
    public static String encodeSegment(String segment) {
        StringBuilder out = new StringBuilder();
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xFF);
            if ((c >= 'A' && c <= 'Z')
                    || (c >= 'a' && c <= 'z')
                    || (c >= '0' && c <= '9')
                    || c == '-'
                    || c == '.'
                    || c == '_'
                    || c == '~') {
                out.append(c);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", b & 0xFF));
            }
        }
        return out.toString();
    }

    public static String sha256Hex(String text) {
        return sha256Hex(text.getBytes(StandardCharsets.UTF_8));
    }

    public static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JVM has no HmacSHA256", e);
        }
    }
}
