"""A client that hard-codes wss:// (as pipecat does): it takes only host:port
from SCRIBECHECK_BASE_URL, so it reaches the fake only over TLS with the CA
trusted through SSL_CERT_FILE."""
import asyncio, base64, json, os, urllib.parse

import websockets


async def main():
    host = urllib.parse.urlparse(os.environ["SCRIBECHECK_BASE_URL"]).netloc
    url = f"wss://{host}/v1/speech-to-text/realtime?model_id=scribe_v2_realtime"
    headers = {"xi-api-key": os.environ["ELEVENLABS_API_KEY"]}
    try:
        ws = await websockets.connect(url, additional_headers=headers)
    except TypeError:  # websockets < 14
        ws = await websockets.connect(url, extra_headers=headers)
    async with ws:
        print(json.loads(await ws.recv())["message_type"])
        chunk = base64.b64encode(bytes(3200)).decode()
        for i in range(5):
            await ws.send(json.dumps({"message_type": "input_audio_chunk", "audio_base_64": chunk, "commit": i == 4, "sample_rate": 16000}))
        while True:
            msg = json.loads(await ws.recv())
            if msg["message_type"] == "committed_transcript":
                print("committed:", repr(msg["text"]))
                break
        await ws.close(1000)


asyncio.run(main())
