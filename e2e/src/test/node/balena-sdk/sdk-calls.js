// balena-sdk, unchanged, against rigfleet: each call's outcome as one JSON line on stdout, for SupervisorProxyIT.
// Environment: RIGFLEET_URL (the entry point), OWNER_TOKEN, STRANGER_TOKEN, DEVICE_UUID, FLEET_ID.
const { getSdk } = require('balena-sdk');

const { RIGFLEET_URL, OWNER_TOKEN, STRANGER_TOKEN, DEVICE_UUID, FLEET_ID } = process.env;

function report(call, outcome) {
  process.stdout.write(JSON.stringify({ call, ...outcome }) + '\n');
}

async function attempt(call, action) {
  try {
    const result = await action();
    report(call, { ok: true, result: result === undefined ? null : result });
  } catch (error) {
    report(call, { ok: false, code: error.code || null, status: error.statusCode || null, error: error.message });
  }
}

async function main() {
  const sdk = getSdk({ apiUrl: `${RIGFLEET_URL}/`, dataDirectory: false });
  const device = sdk.models.device;

  await sdk.auth.loginWithToken(OWNER_TOKEN);
  await attempt('whoami', async () => (await sdk.auth.getUserInfo()).username);
  await attempt('get', async () => (await device.get(DEVICE_UUID)).device_name);
  await attempt('isOnline', () => device.isOnline(DEVICE_UUID));
  await attempt('getAllByApplication', async () =>
    (await device.getAllByApplication(Number(FLEET_ID))).map((found) => found.uuid).sort());
  await attempt('ping', () => device.ping(DEVICE_UUID));
  await attempt('identify', () => device.identify(DEVICE_UUID));
  await attempt('getSupervisorState', () => device.getSupervisorState(DEVICE_UUID));
  await attempt('update', () => device.update(DEVICE_UUID, { force: true }));
  await attempt('reboot', async () => {
    const asked = Date.now();
    await device.reboot(DEVICE_UUID);
    return { asked };
  });
  await attempt('restartApplication', () => device.restartApplication(DEVICE_UUID));
  await attempt('refreshToken', async () => {
    const fresh = await sdk.request.refreshToken({ baseUrl: RIGFLEET_URL });
    return { fresh: fresh !== OWNER_TOKEN, held: (await sdk.auth.getToken()) === fresh };
  });

  await sdk.auth.loginWithToken(STRANGER_TOKEN);
  await attempt('strangerPing', () => device.ping(DEVICE_UUID));
  await attempt('strangerReboot', () => device.reboot(DEVICE_UUID));
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
