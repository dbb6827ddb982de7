//! Illustrative scenes painted from a seed: skies, hills, skylines, water, fields. The demo
//! newsroom uses them as hero photos, so a fresh install looks like a real front page without
//! shipping anyone's photographs.

use image::{Rgb, RgbImage};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scene {
    Dawn,
    Dusk,
    Night,
    Overcast,
    Winter,
    City,
    Field,
    Sea,
    Ruins,
}

impl Scene {
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "dawn" => Self::Dawn,
            "dusk" => Self::Dusk,
            "night" => Self::Night,
            "overcast" => Self::Overcast,
            "winter" => Self::Winter,
            "city" => Self::City,
            "field" => Self::Field,
            "sea" => Self::Sea,
            "ruins" => Self::Ruins,
            _ => return None,
        })
    }
}

type Color = [f32; 3];

struct Palette {
    sky_top: Color,
    sky_bottom: Color,
    sun: Option<Color>,
    far: Color,
    near: Color,
    lit_windows: bool,
    stars: bool,
}

fn palette(scene: Scene) -> Palette {
    let p = |sky_top, sky_bottom, sun, far, near, lit_windows, stars| Palette {
        sky_top,
        sky_bottom,
        sun,
        far,
        near,
        lit_windows,
        stars,
    };
    match scene {
        Scene::Dawn => p(
            [70., 96., 150.],
            [246., 190., 150.],
            Some([255., 226., 170.]),
            [120., 110., 130.],
            [38., 42., 48.],
            false,
            false,
        ),
        Scene::Dusk => p(
            [40., 48., 96.],
            [236., 128., 86.],
            Some([255., 190., 120.]),
            [96., 70., 96.],
            [28., 24., 34.],
            true,
            false,
        ),
        Scene::Night => {
            p([8., 12., 30.], [34., 44., 78.], Some([235., 235., 220.]), [30., 36., 58.], [10., 12., 20.], true, true)
        }
        Scene::Overcast => {
            p([150., 156., 162.], [196., 198., 198.], None, [128., 132., 136.], [58., 62., 60.], false, false)
        }
        Scene::Winter => p(
            [170., 186., 206.],
            [232., 236., 240.],
            Some([250., 250., 240.]),
            [190., 198., 210.],
            [226., 230., 236.],
            false,
            false,
        ),
        Scene::City => p(
            [96., 136., 180.],
            [210., 214., 212.],
            Some([255., 244., 214.]),
            [120., 128., 140.],
            [44., 48., 56.],
            false,
            false,
        ),
        Scene::Field => p(
            [110., 150., 200.],
            [220., 226., 214.],
            Some([255., 246., 210.]),
            [110., 130., 100.],
            [120., 110., 50.],
            false,
            false,
        ),
        Scene::Sea => p(
            [96., 140., 186.],
            [222., 222., 212.],
            Some([255., 240., 200.]),
            [80., 100., 120.],
            [30., 60., 90.],
            false,
            false,
        ),
        Scene::Ruins => {
            p([110., 108., 110.], [186., 170., 150.], None, [110., 100., 96.], [46., 40., 38.], false, false)
        }
    }
}

fn mix(a: Color, b: Color, t: f32) -> Color {
    let t = t.clamp(0.0, 1.0);
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]
}

struct Canvas {
    width: usize,
    height: usize,
    pixels: Vec<Color>,
}

impl Canvas {
    fn get(&mut self, x: usize, y: usize) -> &mut Color {
        &mut self.pixels[y * self.width + x]
    }

    fn fill_rect(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, color: Color) {
        let (x0, x1) = (x0.max(0.0) as usize, (x1.max(0.0) as usize).min(self.width));
        let (y0, y1) = (y0.max(0.0) as usize, (y1.max(0.0) as usize).min(self.height));
        for y in y0..y1 {
            for x in x0..x1 {
                *self.get(x, y) = color;
            }
        }
    }
}

/// A smooth ridge line: a few sine waves with random phases.
struct Ridge {
    waves: Vec<(f32, f32, f32)>,
}

impl Ridge {
    fn new(rng: &mut StdRng, roughness: f32) -> Self {
        let waves = (0..4)
            .map(|i| {
                let octave = (i + 1) as f32;
                (
                    rng.random_range(0.6..1.4) * octave * 2.0,
                    rng.random_range(0.0..std::f32::consts::TAU),
                    roughness / octave.powf(1.3),
                )
            })
            .collect();
        Self { waves }
    }

    fn at(&self, u: f32) -> f32 {
        self.waves.iter().map(|(f, p, a)| (u * f * std::f32::consts::PI + p).sin() * a).sum()
    }
}

/// Paints `scene` at `width` x `height`. The same seed always gives the same picture.
pub fn paint_scene(scene: Scene, seed: u64, width: u32, height: u32) -> RgbImage {
    let mut rng = StdRng::seed_from_u64(seed);
    let pal = palette(scene);
    let (w, h) = (width as usize, height as usize);
    let (wf, hf) = (width as f32, height as f32);
    let mut canvas = Canvas { width: w, height: h, pixels: vec![[0.0; 3]; w * h] };
    let horizon = hf * rng.random_range(0.52..0.66);

    // Sky.
    for y in 0..h {
        let t = (y as f32 / horizon).min(1.0).powf(0.9);
        let color = mix(pal.sky_top, pal.sky_bottom, t);
        for x in 0..w {
            *canvas.get(x, y) = color;
        }
    }
    if pal.stars {
        for _ in 0..(w * h / 900) {
            let (x, y) = (rng.random_range(0..w), rng.random_range(0..(horizon as usize).max(1)));
            let b = rng.random_range(150.0..255.0);
            *canvas.get(x, y) = [b, b, b * 0.95];
        }
    }
    // Sun or moon, with a glow.
    let sun = pal.sun.map(|color| {
        let cx = wf * rng.random_range(0.15..0.85);
        let cy = horizon * rng.random_range(0.35..0.85);
        (cx, cy, hf * rng.random_range(0.035..0.06), color)
    });
    if let Some((cx, cy, r, color)) = sun {
        for y in 0..(horizon as usize).min(h) {
            for x in 0..w {
                let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
                let glow = (-(d / (r * 6.0)).powi(2)).exp() * 0.55;
                let px = canvas.get(x, y);
                *px = mix(*px, color, if d < r { 1.0 } else { glow });
            }
        }
    }
    // Clouds for grey scenes: soft bands.
    if matches!(scene, Scene::Overcast | Scene::Ruins | Scene::Winter) {
        let bands = Ridge::new(&mut rng, 1.0);
        for y in 0..(horizon as usize).min(h) {
            for x in 0..w {
                let v = (bands.at(x as f32 / wf + y as f32 / hf * 3.0) * 0.5 + 0.5) * 0.18;
                let px = canvas.get(x, y);
                *px = mix(*px, [235.0, 235.0, 235.0], v);
            }
        }
    }

    // Layers of land from far to near, each darker and less hazy (aerial perspective).
    let layers = 4;
    for layer in 0..layers {
        let depth = layer as f32 / (layers - 1) as f32;
        let ridge = Ridge::new(&mut rng, hf * (0.05 + 0.04 * (1.0 - depth)));
        let base = horizon + (hf - horizon) * depth * 0.55;
        let mut color = mix(pal.far, pal.near, depth);
        if scene == Scene::Winter {
            color = mix(color, [240.0, 244.0, 250.0], 0.4 * depth);
        }
        let is_sea_layer = scene == Scene::Sea && layer > 0;
        if is_sea_layer {
            break;
        }
        for x in 0..w {
            let top = (base - ridge.at(x as f32 / wf).abs() - hf * 0.02 * (1.0 - depth)).max(0.0) as usize;
            for y in top.min(h)..h {
                let shade = 1.0 - 0.25 * ((y as f32 - top as f32) / hf);
                *canvas.get(x, y) = [color[0] * shade, color[1] * shade, color[2] * shade];
            }
        }
        if layer == 1 && matches!(scene, Scene::City | Scene::Ruins | Scene::Dusk | Scene::Night) {
            paint_skyline(&mut canvas, &mut rng, base, mix(pal.far, pal.near, 0.6), &pal, scene == Scene::Ruins);
        }
    }

    match scene {
        Scene::Sea => paint_sea(&mut canvas, &mut rng, horizon, &pal, sun),
        Scene::Field => paint_furrows(&mut canvas, &mut rng, horizon, &pal),
        Scene::Winter => {
            for _ in 0..(w * h / 400) {
                let (x, y) = (rng.random_range(0..w), rng.random_range(0..h));
                let px = canvas.get(x, y);
                *px = mix(*px, [255.0, 255.0, 255.0], 0.8);
            }
        }
        _ => {}
    }

    // Film grain and a soft vignette, so it reads as a photograph rather than a diagram.
    let mut image = RgbImage::new(width, height);
    for y in 0..h {
        for x in 0..w {
            let dx = x as f32 / wf - 0.5;
            let dy = y as f32 / hf - 0.5;
            let vignette = 1.0 - (dx * dx + dy * dy) * 0.55;
            let grain = rng.random_range(-7.0..7.0);
            let c = canvas.pixels[y * w + x];
            let to_byte = |v: f32| (v * vignette + grain).clamp(0.0, 255.0) as u8;
            image.put_pixel(x as u32, y as u32, Rgb([to_byte(c[0]), to_byte(c[1]), to_byte(c[2])]));
        }
    }
    image
}

fn paint_skyline(canvas: &mut Canvas, rng: &mut StdRng, base: f32, color: Color, pal: &Palette, ruined: bool) {
    let (wf, hf) = (canvas.width as f32, canvas.height as f32);
    let mut x = rng.random_range(-20.0..0.0);
    while x < wf {
        let bw = wf * rng.random_range(0.03..0.08);
        let bh = hf * rng.random_range(0.08..0.3);
        let top = base - bh;
        let shade = rng.random_range(0.85..1.1);
        let body = [color[0] * shade, color[1] * shade, color[2] * shade];
        if ruined {
            // Broken silhouettes: each column of the building ends at a ragged height.
            let mut column = x;
            while column < x + bw {
                let step = rng.random_range(2.0..6.0);
                let cut = if rng.random_bool(0.35) { bh * rng.random_range(0.1..0.6) } else { 0.0 };
                canvas.fill_rect(column, top + cut, column + step, base + 2.0, body);
                column += step;
            }
        } else {
            canvas.fill_rect(x, top, x + bw - 2.0, base + 2.0, body);
        }
        // Windows.
        let cols = (bw / 9.0) as usize;
        let rows = (bh / 12.0) as usize;
        for r in 1..rows {
            for c in 1..cols {
                let lit = pal.lit_windows && rng.random_bool(0.35);
                if !ruined && !lit && rng.random_bool(0.6) {
                    continue;
                }
                let wx = x + c as f32 * 9.0 - 2.0;
                let wy = top + r as f32 * 12.0;
                let window = if lit {
                    [250.0, 214.0, 140.0]
                } else if ruined {
                    [20.0, 18.0, 18.0]
                } else {
                    mix(body, [200.0, 210.0, 220.0], 0.25)
                };
                canvas.fill_rect(wx, wy, wx + 4.0, wy + 6.0, window);
            }
        }
        x += bw + rng.random_range(0.0..wf * 0.01);
    }
}

fn paint_sea(canvas: &mut Canvas, rng: &mut StdRng, horizon: f32, pal: &Palette, sun: Option<(f32, f32, f32, Color)>) {
    let (w, h) = (canvas.width, canvas.height);
    let start = horizon as usize;
    for y in start.min(h)..h {
        let t = (y - start) as f32 / (h - start).max(1) as f32;
        let water = mix(mix(pal.sky_bottom, pal.far, 0.6), pal.near, t);
        for x in 0..w {
            *canvas.get(x, y) = water;
        }
    }
    for _ in 0..(w * (h - start.min(h)) / 220) {
        let y = rng.random_range(start.min(h - 1)..h);
        let x = rng.random_range(0..w);
        let len = rng.random_range(4..30).min(w - x);
        let near = (y - start) as f32 / (h - start).max(1) as f32;
        for dx in 0..len {
            let px = canvas.get(x + dx, y);
            *px = mix(*px, [240.0, 244.0, 246.0], 0.25 + 0.2 * (1.0 - near));
        }
    }
    if let Some((cx, _, r, color)) = sun {
        for y in start.min(h)..h {
            let spread = r * (1.0 + 3.0 * (y - start) as f32 / (h - start).max(1) as f32);
            for x in ((cx - spread).max(0.0) as usize)..((cx + spread) as usize).min(w) {
                if rng.random_bool(0.3) {
                    let px = canvas.get(x, y);
                    *px = mix(*px, color, 0.45);
                }
            }
        }
    }
}

fn paint_furrows(canvas: &mut Canvas, rng: &mut StdRng, horizon: f32, pal: &Palette) {
    let (w, h) = (canvas.width, canvas.height);
    let vanishing_x = w as f32 * rng.random_range(0.3..0.7);
    let start = (horizon + (h as f32 - horizon) * 0.3) as usize;
    for y in start.min(h)..h {
        let t = (y - start) as f32 / (h - start).max(1) as f32;
        for x in 0..w {
            let spread = (x as f32 - vanishing_x) / (0.05 + t);
            let stripe = (spread * 0.08).sin() * 0.5 + 0.5;
            let base = mix(pal.far, pal.near, 0.5 + 0.5 * t);
            *canvas.get(x, y) = mix(base, [base[0] * 0.7, base[1] * 0.7, base[2] * 0.6], stripe * 0.6);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenes_are_deterministic_and_not_flat() {
        let a = paint_scene(Scene::City, 7, 320, 180);
        let b = paint_scene(Scene::City, 7, 320, 180);
        assert_eq!(a, b);
        let c = paint_scene(Scene::City, 8, 320, 180);
        assert_ne!(a, c);
        let distinct: std::collections::HashSet<_> = a.pixels().map(|p| p.0).collect();
        assert!(distinct.len() > 500, "only {} colours", distinct.len());
        for name in ["dawn", "dusk", "night", "overcast", "winter", "city", "field", "sea", "ruins"] {
            let scene = Scene::parse(name).expect("known scene");
            let image = paint_scene(scene, 1, 160, 90);
            assert_eq!(image.dimensions(), (160, 90));
        }
    }
}
