//! Fresh adapters are the seed's own, even while another thread seeds and draws.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use glia_engine::Model;
use glia_engine::burn::tensor::{Device, Distribution, Tensor};
use glia_engine::seeded::seeded;

#[test]
fn fresh_adapters_are_the_seeds_own_while_others_draw() {
    let backbone =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/vit_tiny_patch16_224.safetensors");
    let device = Device::flex();
    let head = |seed| -> Vec<f32> {
        let model = Model::with_new_adapters(&backbone, seed, &device).unwrap();
        model
            .net
            .head
            .weight
            .val()
            .into_data()
            .try_to_vec()
            .unwrap()
    };
    let alone = head(5);
    let done = AtomicBool::new(false);
    let (again, other) = std::thread::scope(|s| {
        // Another user of the generator: seeds and draws until seed 5 has initialised.
        let busy = s.spawn(|| {
            for k in 0.. {
                if done.load(Ordering::Relaxed) {
                    break;
                }
                {
                    let _generator = seeded(&device, k);
                    let _: Tensor<2> = Tensor::random([64, 64], Distribution::Default, &device);
                }
                std::thread::yield_now();
            }
        });
        let again = head(5);
        done.store(true, Ordering::Relaxed);
        busy.join().unwrap();
        (again, head(6))
    });
    assert_eq!(
        alone, again,
        "seed 5 drew other numbers while another thread drew"
    );
    assert_ne!(alone, other, "seeds 5 and 6 gave the same adapters");
}
