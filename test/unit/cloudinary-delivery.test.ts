import { expect } from 'chai';
import { cloudinaryDeliveryUrl } from '../../api/published-files/service';

describe('Cloudinary delivery URLs of published files', () => {
  it('are signed https URLs of the authenticated raw object under gema/', () => {
    const url = cloudinaryDeliveryUrl('cloudinary://key123:secret456@school-cloud', 'u1/f1.w800.webp');
    expect(url).to.match(
      /^https:\/\/res\.cloudinary\.com\/school-cloud\/raw\/authenticated\/s--[A-Za-z0-9_-]{8}--\/(v1\/)?gema\/u1\/f1\.w800\.webp$/,
    );
  });

  it('never carry the API secret', () => {
    expect(cloudinaryDeliveryUrl('cloudinary://key123:secret456@school-cloud', 'k')).not.to.include('secret456');
  });
});
