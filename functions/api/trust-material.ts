import { httpHandler } from '../../shared/http/middleware';
import { problem } from '../../shared/http/problem';
import { BASE_HEADERS, json } from '../../shared/http/response';
import { currentIssuingCa } from '../../shared/signing/sealer';
import { issuerDocument, issuerJwks, publishedCrl, publishedStatusList } from '../../shared/signing/trust-material';

/**
 * Public, stable URLs of the seal's trust material (docs/signing.md): the issuer, its keys (JWKS), the issuing CA
 * certificate, its CRL, and the Bitstring Status List credentials the embedded credentials point at. The
 * certificates and CRL URLs are written into every container certificate (AIA, CRL distribution point).
 */
const binary = (contentType: string, der: Buffer, maxAge: number) => ({
  statusCode: 200,
  headers: { ...BASE_HEADERS, 'content-type': contentType, 'cache-control': `public, max-age=${maxAge}` },
  body: der.toString('base64'),
  isBase64Encoded: true,
});

export const handler = httpHandler(async (event) => {
  switch (event.routeKey) {
    case 'GET /v1/issuer':
      return json(200, await issuerDocument(), { 'cache-control': 'public, max-age=300' });
    case 'GET /v1/issuer/jwks.json':
      return json(200, await issuerJwks(), { 'cache-control': 'public, max-age=300' });
    case 'GET /v1/pki/ca.crt':
      return binary('application/pkix-cert', (await currentIssuingCa()).certificate.der, 300);
    case 'GET /v1/pki/crl': {
      const crl = await publishedCrl();
      if (!crl) throw problem('NOT_FOUND', '尚未发布证书撤销列表');
      return binary('application/pkix-crl', crl, 300);
    }
    default: {
      const listId = Number(event.pathParameters?.listId);
      const credential = Number.isInteger(listId) && listId >= 0 ? await publishedStatusList(listId) : undefined;
      if (!credential) throw problem('NOT_FOUND', '未找到该状态列表');
      return {
        statusCode: 200,
        headers: { ...BASE_HEADERS, 'content-type': 'application/vc+jwt', 'cache-control': 'public, max-age=60' },
        body: credential,
      };
    }
  }
});
