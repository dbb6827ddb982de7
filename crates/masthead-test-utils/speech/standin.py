"""A local stand-in for OpenAI's speech endpoint, for Masthead's narration tests.

    python3 standin.py --port 0   (0: any free port; the line it prints names it)

`POST /v1/audio/speech` follows the contract of OpenAI's API: a bearer key, a JSON body
{model, input, voice, response_format, speed}, errors shaped {"error": {message, type, param,
code}}. The audio is real speech from espeak-ng, resampled to 24 kHz mono as OpenAI's is, and
returned as `wav` (with the unknown-length header a streaming server writes) or `pcm` (raw
signed 16-bit little-endian). Other formats are refused: the stand-in has no encoders.

Test controls, outside the contract:
    GET  /_standin/requests   every speech request received, oldest first
    POST /_standin/next       {"status": 503, "message": "...", "delay": 2.5}: how to answer the
                              next speech request (after the key check); queued in order
"""

import argparse
import json
import shutil
import struct
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODELS = ('tts-1', 'tts-1-hd', 'gpt-4o-mini-tts')
VOICES = ('alloy', 'ash', 'ballad', 'coral', 'echo', 'fable', 'onyx', 'nova', 'sage', 'shimmer',
          'verse')
FORMATS = ('mp3', 'opus', 'aac', 'flac', 'wav', 'pcm')
SPOKEN = ('wav', 'pcm')
MAX_INPUT = 4096
RATE = 24000

LOCK = threading.Lock()
REQUESTS = []
NEXT = []


def error_body(message, kind='invalid_request_error', param=None, code=None):
    return {'error': {'message': message, 'type': kind, 'param': param, 'code': code}}


def masked(key):
    return key[:3] + '*' * 4 + key[-2:] if len(key) > 6 else '*' * len(key)


def espeak_wav(program, text, speed):
    wpm = max(80, min(450, round(175 * speed)))
    done = subprocess.run([program, '-v', 'en-us', '-s', str(wpm), '--stdout'], input=text.encode(),
                          capture_output=True, check=True)
    return done.stdout


def samples_of(wav):
    """16-bit mono samples and the rate of espeak-ng's WAV, whose header lengths are unknown."""
    if wav[:4] != b'RIFF' or wav[8:12] != b'WAVE':
        raise ValueError('espeak-ng did not write WAV')
    at, rate = 12, None
    while at + 8 <= len(wav):
        chunk, size = wav[at:at + 4], struct.unpack('<I', wav[at + 4:at + 8])[0]
        if chunk == b'fmt ':
            channels, rate, _, _, bits = struct.unpack('<HIIHH', wav[at + 10:at + 24])
            if channels != 1 or bits != 16:
                raise ValueError('espeak-ng wrote %d channels of %d bits' % (channels, bits))
        if chunk == b'data':
            data = wav[at + 8:]
            data = data[:len(data) - len(data) % 2]
            return rate, struct.unpack('<%dh' % (len(data) // 2), data)
        at += 8 + size + size % 2
    raise ValueError('no data in espeak-ng WAV')


def resample(samples, src, dst):
    """Linear interpolation: good enough for a stand-in, and it keeps the stdlib-only promise."""
    if src == dst or not samples:
        return list(samples)
    n = int(len(samples) * dst / src)
    step = src / dst
    last = len(samples) - 1
    out = []
    for i in range(n):
        pos = i * step
        j = int(pos)
        frac = pos - j
        a = samples[j]
        b = samples[j + 1] if j < last else a
        out.append(int(round(a + (b - a) * frac)))
    return out


def pcm_bytes(samples):
    return struct.pack('<%dh' % len(samples), *samples)


def wav_streamed(samples):
    """A WAV header whose lengths say 'unknown', as a server that streams its answer writes."""
    unknown = 0xFFFFFFFF
    header = b'RIFF' + struct.pack('<I', unknown) + b'WAVE'
    header += b'fmt ' + struct.pack('<IHHIIHH', 16, 1, 1, RATE, RATE * 2, 2, 16)
    header += b'data' + struct.pack('<I', unknown)
    return header + pcm_bytes(samples)


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'masthead-speech-standin'

    def log_message(self, fmt, *args):
        sys.stderr.write('%s\n' % (fmt % args))

    def send(self, status, body, content_type='application/json'):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        length = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(length) if length else b''

    def do_GET(self):
        if self.path == '/_standin/requests':
            with LOCK:
                return self.send(200, REQUESTS)
        self.send(404, error_body('Invalid URL (GET %s)' % self.path))

    def do_POST(self):
        raw = self.read_body()
        if self.path == '/_standin/next':
            with LOCK:
                NEXT.append(json.loads(raw or b'{}'))
            return self.send(200, {'queued': len(NEXT)})
        if self.path != '/v1/audio/speech':
            return self.send(404, error_body('Invalid URL (POST %s)' % self.path))
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        with LOCK:
            REQUESTS.append({'path': self.path, 'authorization': self.headers.get('Authorization'),
                             'content_type': self.headers.get('Content-Type'), 'body': body})
        self.speech(body)

    def speech(self, body):
        auth = self.headers.get('Authorization') or ''
        if not auth.startswith('Bearer '):
            return self.send(401, error_body(
                "You didn't provide an API key. You need to provide your API key in an "
                'Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).'))
        given = auth[len('Bearer '):]
        if given != self.server.key:
            return self.send(401, error_body('Incorrect API key provided: %s.' % masked(given),
                                             code='invalid_api_key'))
        with LOCK:
            planned = NEXT.pop(0) if NEXT else None
        if planned:
            time.sleep(float(planned.get('delay', 0)))
            if planned.get('status'):
                return self.send(int(planned['status']), error_body(
                    planned.get('message', 'The server had an error while processing your request.'),
                    kind=planned.get('type', 'server_error')))
        if not isinstance(body, dict):
            return self.send(400, error_body(
                'We could not parse the JSON body of your request. (HINT: This likely means you '
                "aren't using your HTTP library correctly.)"))
        model = body.get('model')
        if model is None:
            return self.send(400, error_body("Missing required parameter: 'model'.", param='model',
                                             code='missing_required_parameter'))
        if model not in MODELS:
            return self.send(404, error_body('The model `%s` does not exist or you do not have '
                                             'access to it.' % model, code='model_not_found'))
        text = body.get('input')
        if text is None or not isinstance(text, str):
            return self.send(400, error_body("Missing required parameter: 'input'.", param='input',
                                             code='missing_required_parameter'))
        if len(text) > MAX_INPUT:
            return self.send(400, error_body(
                "Invalid 'input': string too long. Expected a string with maximum length %d, but "
                'got a string with length %d instead.' % (MAX_INPUT, len(text)), param='input',
                code='string_above_max_length'))
        voice = body.get('voice')
        if voice not in VOICES:
            return self.send(400, error_body(
                "Invalid value for 'voice': %s. Supported values are: %s." %
                (json.dumps(voice), ', '.join("'%s'" % v for v in VOICES)), param='voice',
                code='invalid_value'))
        fmt = body.get('response_format', 'mp3')
        if fmt not in FORMATS:
            return self.send(400, error_body("Invalid value for 'response_format': %s." %
                                             json.dumps(fmt), param='response_format',
                                             code='invalid_value'))
        if fmt not in SPOKEN:
            return self.send(400, error_body('This stand-in answers only wav and pcm, not %s.' %
                                             fmt, param='response_format'))
        speed = body.get('speed', 1.0)
        if not isinstance(speed, (int, float)) or not 0.25 <= speed <= 4.0:
            return self.send(400, error_body("Invalid 'speed': must be between 0.25 and 4.0.",
                                             param='speed', code='invalid_value'))
        rate, samples = samples_of(espeak_wav(self.server.espeak, text, speed))
        samples = resample(samples, rate, RATE)
        if fmt == 'wav':
            return self.send(200, wav_streamed(samples), 'audio/wav')
        self.send(200, pcm_bytes(samples), 'audio/pcm')


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--key', default='sk-test-masthead-speech')
    parser.add_argument('--espeak', default='espeak-ng')
    args = parser.parse_args()
    espeak = shutil.which(args.espeak)
    if espeak is None:
        print('espeak-ng is not installed: apt-get install espeak-ng', flush=True)
        sys.exit(3)
    server = ThreadingHTTPServer(('127.0.0.1', args.port), Handler)
    server.key = args.key
    server.espeak = espeak
    print('listening on http://127.0.0.1:%d' % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == '__main__':
    main()
