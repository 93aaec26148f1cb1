import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Matches } from 'class-validator';
import { OrganizationCodeParam } from '../admin/organization.dto';

/** `stream-<organization code>-<10 random characters>`: the SASL username and Kafka principal. */
export const STREAM_USERNAME_PATTERN = /^stream-[a-z0-9][a-z0-9-]{1,39}-[a-z0-9]{10}$/;

export class StreamCredentialView {
  @ApiProperty({
    example: 'stream-rilo-we-k3v9q2m7xa',
    pattern: STREAM_USERNAME_PATTERN.source,
    description: 'SASL username; the Kafka principal is `User:<username>`.',
  })
  username!: string;

  @ApiProperty({ enum: ['SCRAM-SHA-512'] }) mechanism!: 'SCRAM-SHA-512';

  @ApiProperty({
    type: [String],
    example: ['hub.region.europe.v1'],
    description: 'The regional topics it may read (and describe); nothing else.',
  })
  topics!: string[];

  @ApiProperty({
    example: 'rilo-we.',
    description: 'Consumer groups it may use: group ids starting with this.',
  })
  groupPrefix!: string;

  @ApiProperty() createdAt!: string;
  @ApiProperty({ description: 'Who issued it: `operator:<name>` (`operator:bootstrap`: HUB_ADMIN_TOKEN).' })
  createdBy!: string;
  @ApiPropertyOptional({ nullable: true, type: String }) revokedAt!: string | null;
  @ApiPropertyOptional({ nullable: true, type: String }) revokedBy!: string | null;
}

export class IssuedStreamCredentialView extends StreamCredentialView {
  @ApiProperty({
    description:
      'The SASL password. Shown once: the hub keeps nothing of it, the broker only its salted SCRAM verifier.',
  })
  password!: string;

  @ApiProperty({
    type: [String],
    example: ['hub.example.org:9094'],
    description: "The external listener's bootstrap servers (host:port).",
  })
  bootstrapServers!: string[];

  @ApiProperty({ enum: ['SASL_SSL'] }) securityProtocol!: 'SASL_SSL';

  @ApiPropertyOptional({
    nullable: true,
    type: String,
    description:
      "PEM of the CA that signed the external listener's certificate, for the client's trust store; null when it chains to a public CA.",
  })
  caCertificate!: string | null;
}

export class StreamCredentialParams extends OrganizationCodeParam {
  @ApiProperty({ pattern: STREAM_USERNAME_PATTERN.source })
  @Matches(STREAM_USERNAME_PATTERN, { message: 'username must be a stream credential username' })
  username!: string;
}
