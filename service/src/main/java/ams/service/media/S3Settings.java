package ams.service.media;

import java.net.URI;

/**
 * Where an S3-compatible media store is and how to sign for it: requests go path-style to {@code
 * <endpoint>/<bucket>/<prefix><2 hex>/<sha256>}, which AWS, MinIO, Ceph and R2 all answer.
 */
public record S3Settings(
        URI endpoint,
        String region,
        String bucket,
        String accessKey,
        String secretKey,
        String prefix) {

    public S3Settings {
        require(endpoint == null ? null : endpoint.toString(), MediaConfig.MEDIA_S3_ENDPOINT);
        if (endpoint.getScheme() == null
                || !(endpoint.getScheme().equals("http") || endpoint.getScheme().equals("https"))
                || endpoint.getHost() == null) {
            throw new IllegalArgumentException(
                    MediaConfig.MEDIA_S3_ENDPOINT
                            + " must be an http(s) URL such as https://s3.eu-west-1.amazonaws.com"
                            + " or http://127.0.0.1:9000, was '"
                            + endpoint
                            + "'");
        }
        require(region, MediaConfig.MEDIA_S3_REGION);
        require(bucket, MediaConfig.MEDIA_S3_BUCKET);
        require(accessKey, MediaConfig.MEDIA_S3_ACCESS_KEY);
        require(secretKey, MediaConfig.MEDIA_S3_SECRET_KEY);
        prefix = prefix == null ? "" : prefix.strip();
        if (prefix.startsWith("/")) {
            throw new IllegalArgumentException(
                    MediaConfig.MEDIA_S3_PREFIX + " must not start with '/', was '" + prefix + "'");
        }
    }

    private static void require(String value, String key) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(
                    key + " must be set when media.store=s3 (env " + envName(key) + ")");
        }
    }

    private static String envName(String key) {
        return ams.service.config.CommonConfig.environmentVariable(key);
    }

    /** Never the secret in a log line or an error. */
    @Override
    public String toString() {
        return "S3Settings[endpoint="
                + endpoint
                + ", region="
                + region
                + ", bucket="
                + bucket
                + ", accessKey="
                + accessKey
                + ", prefix="
                + prefix
                + "]";
    }
}
